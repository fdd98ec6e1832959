"""Evidence checked for real: of the kind the item asks for, with a title and a place that say something, a
decision by the body the item names and made while the item's phase ran, and nothing dated before the cycle started
or after the day the item is ticked (the tick's own effective day is bounded by services/actor.py's rules).

A decision shows an item only if it was made while the item's phase ran: decided on or after the day the phase
(re)opened (on that day itself, recorded after the opening) and not after the tick; a decision that records its
cycle or phase counts only there; and the item whose requirement is the prioritisation shows the prioritisation in
force, once there is one (`decision_refusal`, asked by the check and by the item page's picker,
`citable_decisions`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import ScalarSelect, func
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import local
from samverkan.models import AuditEntry, Body, ChecklistItem, Cycle, Decision, Organisation, Phase
from samverkan.models.enums import BodyKind, EvidenceKind
from samverkan.process.definition import ProcessDefinition
from samverkan.services.decision_numbers import decision_and_body
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import EvidenceInput
from samverkan.services.lagesbild import PRIORITISATION_REQUIREMENT
from samverkan.services.pinning import phase_spec
from samverkan.services.prioritisation import prioritisation_of
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
    refusal = _dated_refusal(context, day, what)
    if refusal:
        raise RefusedError(refusal)


def _dated_refusal(context: EvidenceContext, day: date | None, what: str) -> str | None:
    """Why a date on the evidence is outside the cycle or after the tick (Swedish), else None."""
    if day is None:
        return None
    started = cycle_start_day(context.cycle)
    if day < started:
        return (
            f"{what} är daterat {day}, före cykel {context.cycle.number} startade ({started}); "
            "bevis för en punkt ska vara från den här cykeln"
        )
    if day > context.on:
        return (
            f"{what} är daterat {day}, efter dagen punkten markeras som klar ({context.on}); "
            "ett bevis kan inte vara från framtiden"
        )
    return None


def _check_decision(session: Session, context: EvidenceContext, number: int | None) -> int:
    """The decision by its number, if it may show the item (`decision_refusal`)."""
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
    refusal = decision_refusal(session, context, _Judged(context, session), decision, body)
    if refusal:
        raise RefusedError(refusal)
    return saved_id(decision)


def earliest_decision_day(cycle: Cycle, phase: Phase) -> date:
    """The first day a decision may be from to show an item of the phase: the day the phase last (re)opened, else
    (a phase not opened yet) the day the cycle started."""
    return phase_opened_on(phase) or cycle_start_day(cycle)


def phase_opened_on(phase: Phase) -> date | None:
    """The day the phase last (re)opened: its latest opening or omtag in its history (the act's effective day),
    else the day it was opened; None for a phase that has not opened."""
    for entry in reversed(phase.history):
        if entry.get("action") in ("öppnad", "omtag"):
            if entry.get("on"):
                return date.fromisoformat(str(entry["on"]))
            if entry.get("at"):
                return local(datetime.fromisoformat(str(entry["at"]))).date()
    return local(phase.opened_at).date() if phase.opened_at else None


def _last_entry(entity_type: str, entity_id: int | None, actions: tuple[str, ...]) -> ScalarSelect[int | None]:
    return (
        select(func.max(AuditEntry.id))
        .where(
            AuditEntry.entity_type == entity_type,
            AuditEntry.entity_id == entity_id,
            col(AuditEntry.action).in_(actions),
        )
        .scalar_subquery()
    )


def recorded_before_opening(session: Session, phase: Phase, decision: Decision) -> bool:
    """Whether the decision was recorded before the phase last (re)opened (`phase.open`, `phase.reopen`), by the
    order of their audit entries (the database's order, whatever clocks the acts were stamped with); a decision is
    recorded by `decision.record`. One statement; none for a cycle's first phase opened with the cycle and never
    reopened: the decisions that start the collaboration are often recorded just before the cycle starts."""
    if phase.ordinal == 1 and not any(entry.get("action") == "omtag" for entry in phase.history):
        return False
    opened, recorded = session.exec(
        select(
            _last_entry(Phase.__tablename__, phase.id, ("phase.open", "phase.reopen")),
            _last_entry(Decision.__tablename__, decision.id, ("decision.record",)),
        )
    ).one()
    return opened is not None and recorded is not None and recorded < opened


class _Judged:
    """What every cited decision is judged against, read once: the body kind the item names, the day its phase
    (re)opened, and (for the prioritisation's item) the prioritisation in force."""

    def __init__(self, context: EvidenceContext, session: Session) -> None:
        self.kind = deciding_body_kind(context.definition(), context.phase, context.item)
        self.opened = earliest_decision_day(context.cycle, context.phase)
        self.in_force: int | None = None
        if context.item.requirement == PRIORITISATION_REQUIREMENT:
            view = prioritisation_of(session, context.cycle)
            self.in_force = view.decision_id if view else None


def decision_refusal(
    session: Session, context: EvidenceContext, judged: _Judged, decision: Decision, body: Body | None
) -> str | None:
    """Why the decision cannot show the item (Swedish), or None when it can: made by the body the item names, in
    the item's cycle and phase when it records them, on or after the day the phase (re)opened and not after the
    tick, and, for the item whose requirement is the prioritisation, the prioritisation in force."""
    item, phase, organisation = context.item, context.phase, context.organisation
    number = f"beslut nr {decision.number}"
    named = f"{number} ('{decision.title}')"
    if judged.kind is not None and (body is None or body.kind != judged.kind):
        expected = _body_names(session, organisation, judged.kind)
        return (
            f"'{item.title}' ska visas med ett beslut av {expected}; {number} är fattat av "
            f"{body.name if body else 'inget organ'}"
        )
    if decision.cycle_id is not None and decision.cycle_id != context.cycle.id:
        other = session.get(Cycle, decision.cycle_id)
        return (
            f"{named} hör till cykel {other.number if other else decision.cycle_id}, inte till cykel "
            f"{context.cycle.number} som '{item.title}' hör till"
        )
    if decision.phase_id is not None and decision.phase_id != phase.id:
        other_phase = session.get(Phase, decision.phase_id)
        return (
            f"{named} är fattat i fasen {other_phase.name if other_phase else decision.phase_id}; "
            f"'{item.title}' hör till fasen {phase.name} och visas med ett beslut från den fasen"
        )
    if decision.decided_on < judged.opened:
        return (
            f"{named} fattades {decision.decided_on}, innan fasen {phase.name} öppnades {judged.opened}; "
            f"'{item.title}' visas med ett beslut som fattats medan fasen pågår (den {judged.opened} eller senare)"
        )
    if decision.decided_on == judged.opened and recorded_before_opening(session, phase, decision):
        # decided on the day the phase opened, but recorded before it opened: a decision of what came before
        return (
            f"{named} protokollfördes innan fasen {phase.name} öppnades ({judged.opened}); '{item.title}' visas "
            "med ett beslut som protokollförts medan fasen pågår"
        )
    dated = _dated_refusal(context, decision.decided_on, number)  # on or after the opening: only the tick bounds it
    if dated:
        return dated
    if judged.in_force is not None and decision.id != judged.in_force:
        current = session.get(Decision, judged.in_force)
        return (
            f"'{item.title}' visas med prioriteringen som gäller, "
            f"{f'beslut nr {current.number}' if current else 'prioriteringsbeslutet'}; {named} är inte den"
        )
    return None


def citable_decisions(session: Session, context: EvidenceContext) -> list[Decision]:
    """The decisions that would show the item if cited now (`decision_refusal` says none against them), newest
    first: latest decision day, then highest number."""
    judged = _Judged(context, session)
    query = (
        select(Decision, Body)
        .outerjoin(Body, col(Body.id) == Decision.body_id)
        .where(
            Decision.organisation_id == context.organisation.id,
            col(Decision.number).is_not(None),
            col(Decision.decided_on) >= judged.opened,
            col(Decision.decided_on) <= context.on,
        )
    )
    if judged.kind is not None:  # narrowed ahead in SQL; the rule below still decides
        query = query.where(Body.kind == judged.kind)
    rows = session.exec(query.order_by(col(Decision.decided_on).desc(), col(Decision.number).desc()).limit(200)).all()
    return [d for d, body in rows if decision_refusal(session, context, judged, d, body) is None]


def _body_names(session: Session, organisation: Organisation, kind: BodyKind) -> str:
    names = session.exec(select(Body.name).where(Body.organisation_id == organisation.id, Body.kind == kind)).all()
    return " eller ".join(names) if names else f"organet av typen {kind.value} (organisationen har inget sådant)"
