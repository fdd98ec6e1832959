"""Evidence checked for real: of the kind the item asks for, with a title and a place that say something, a
decision by the body the item names and dated on or before the tick, and nothing dated before the cycle started
or after the day the item is ticked (the tick's own effective day is bounded by services/actor.py's rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlmodel import Session, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import local
from samverkan.models import Body, ChecklistItem, Cycle, Organisation, Phase
from samverkan.models.enums import BodyKind, EvidenceKind
from samverkan.process.definition import ProcessDefinition
from samverkan.services.decision_numbers import decision_and_body
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import EvidenceInput
from samverkan.services.pinning import phase_spec
from samverkan.services.privacy import no_personal_data

EVIDENCE_SV = {
    EvidenceKind.DOCUMENT: "dokument",
    EvidenceKind.DECISION: "beslut",
    EvidenceKind.DIALOGUE: "dialoganteckning",
    EvidenceKind.LINK: "länk",
}


@dataclass(frozen=True)
class CheckedEvidence:
    """Evidence that may show an item is done; `decision_id` is the decision's row, found by its number."""

    kind: EvidenceKind
    title: str
    uri: str | None = None
    decision_id: int | None = None
    dated_on: date | None = None


def cycle_start_day(cycle: Cycle) -> date:
    """The day the cycle is effective from: its starting act's effective day, else the day it was created."""
    return cycle.started_on or local(cycle.started_at).date()


def deciding_body_kind(definition: ProcessDefinition, phase: Phase, item: ChecklistItem) -> BodyKind | None:
    """The kind of body whose decision the item needs: the item's own `decided_by`, else its phase's."""
    spec = phase_spec(definition, phase)
    item_spec = next((i for i in spec.items if i.key == item.key), None)
    named = (item_spec.decided_by if item_spec else None) or spec.decided_by or phase.deciding_body_key
    return BodyKind(named) if named else None


@dataclass(frozen=True)
class EvidenceContext:
    """What the evidence is judged against: the item, its phase's definition, the cycle and the tick's day."""

    organisation: Organisation
    cycle: Cycle
    phase: Phase
    item: ChecklistItem
    definition: Callable[[], ProcessDefinition]  # asked only when a decision's body is checked
    on: date


def check_evidence(session: Session, context: EvidenceContext, given: EvidenceInput) -> CheckedEvidence:
    """The evidence, of the item's kind when none was named, if it may show that the item is done."""
    item = context.item
    wanted = EvidenceKind(item.evidence_kind)
    kind = given.kind or wanted
    if kind != wanted:
        raise RefusedError(f"'{item.title}' kräver bevis av typen {EVIDENCE_SV[wanted]}, inte {EVIDENCE_SV[kind]}")
    title, uri = given.title.strip(), (given.uri or "").strip() or None
    if not title:
        raise RefusedError("beviset behöver en rubrik som säger vad det är (rubriken är tom)")
    no_personal_data(rubrik=title, plats=uri)
    _check_place(wanted, uri)
    _check_dated(context, given.dated_on, "beviset")
    decision_id = None
    if wanted is EvidenceKind.DECISION:
        decision_id = _check_decision(session, context, given.decision_id)
    return CheckedEvidence(kind, title, uri, decision_id, given.dated_on)


def _check_place(wanted: EvidenceKind, uri: str | None) -> None:
    if wanted is EvidenceKind.DOCUMENT and not uri:
        raise RefusedError("ett dokument som bevis behöver en plats: en sökväg, ett diarienummer eller en länk")
    if wanted is EvidenceKind.LINK:
        parts = urlsplit(uri or "")
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in uri or ""):
            raise RefusedError(f"en länk som bevis ska vara en hel adress som börjar med https:// (fick {uri!r})")


def _check_dated(context: EvidenceContext, day: date | None, what: str) -> None:
    """A date on the evidence lies within the cycle, on or before the day the item is ticked."""
    if day is None:
        return
    started = cycle_start_day(context.cycle)
    if day < started:
        raise RefusedError(
            f"{what} är daterat {day}, före cykel {context.cycle.number} startade ({started}); "
            "bevis för en punkt ska vara från den här cykeln"
        )
    if day > context.on:
        raise RefusedError(
            f"{what} är daterat {day}, efter dagen punkten markeras som klar ({context.on}); "
            "ett bevis kan inte vara från framtiden"
        )


def _check_decision(session: Session, context: EvidenceContext, number: int | None) -> int:
    """The decision by its number, by the body the item names, dated within the cycle and not after the tick."""
    organisation = context.organisation
    if number is None:
        raise RefusedError(
            f"ett beslut som bevis ska vara ett protokollfört beslut i {organisation.name} (ange dess nummer)"
        )
    try:
        decision, body = decision_and_body(session, organisation, number)
    except NotFoundError:
        raise RefusedError(
            f"ett beslut som bevis ska vara ett protokollfört beslut i {organisation.name}; "
            f"beslut nr {number} finns inte där"
        ) from None
    wanted = deciding_body_kind(context.definition(), context.phase, context.item)
    if wanted is not None and (body is None or body.kind != wanted):
        expected = _body_names(session, organisation, wanted)
        raise RefusedError(
            f"'{context.item.title}' ska visas med ett beslut av {expected}; beslut nr {number} är fattat av "
            f"{body.name if body else 'inget organ'}"
        )
    _check_dated(context, decision.decided_on, f"beslut nr {number}")
    return saved_id(decision)


def _body_names(session: Session, organisation: Organisation, kind: BodyKind) -> str:
    names = session.exec(select(Body.name).where(Body.organisation_id == organisation.id, Body.kind == kind)).all()
    return " eller ".join(names) if names else f"organet av typen {kind.value} (organisationen har inget sådant)"
