"""One checklist item with what its page shows; reads only that item (not the whole cycle)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.labels import local_stamp
from samverkan.models import ChecklistItem, Cycle, Decision, Evidence, Organisation, Person, Phase
from samverkan.models.enums import EvidenceKind, ItemStatus, PhaseStatus
from samverkan.process.requirements import REQUIREMENTS
from samverkan.services.bodies import active_bodies
from samverkan.services.cycle import evidence_link, may_complete, owner_text
from samverkan.services.errors import NotFoundError
from samverkan.services.evidence import (
    EVIDENCE_SV,
    EvidenceContext,
    citable_decisions,
    deciding_body_kind,
    earliest_decision_day,
)
from samverkan.services.exit_facts import cycle_facts
from samverkan.services.overview import find_organisation
from samverkan.services.pinning import definition_of


def checklist_item(session: Session, org_key: str, item_id: int) -> ChecklistItem:
    """The item by number, if it belongs to one of the organisation's cycles."""
    return _item(session, find_organisation(session, org_key), item_id)[0]


def _item(session: Session, organisation: Organisation, item_id: int) -> tuple[ChecklistItem, Phase]:
    """The item by number, if it belongs to one of the organisation's cycles."""
    item = session.get(ChecklistItem, item_id)
    phase = session.get(Phase, item.phase_id) if item else None
    cycle = session.get(Cycle, phase.cycle_id) if phase else None
    if item is None or phase is None or cycle is None or cycle.organisation_id != organisation.id:
        raise NotFoundError(f"punkt nr {item_id} finns inte i {organisation.name}")
    return item, phase


def _needs(session: Session, organisation: Organisation, phase: Phase, item: ChecklistItem) -> list[str]:
    """What must be true, beyond the evidence, before the item can be done (its requirement's missing facts)."""
    if not item.requirement or phase.status != PhaseStatus.ACTIVE or item.status == ItemStatus.DONE:
        return []
    cycle = session.get(Cycle, phase.cycle_id)
    assert cycle is not None
    return REQUIREMENTS[item.requirement](cycle_facts(session, organisation, cycle))


def item_details(
    session: Session, org_key: str, item_id: int, on: date, viewer: Person | None = None
) -> dict[str, Any]:
    """The item, its phase, the decisions it may cite as evidence (services/evidence.py's rule), what must be true
    before it can be done, who owns and completed it (when, with which evidence), and whether `viewer` may
    complete it (services/cycle.py's rule)."""
    organisation = find_organisation(session, org_key)
    item, phase = _item(session, organisation, item_id)
    cycle = session.get(Cycle, phase.cycle_id)
    assert cycle is not None
    definition = definition_of(session, cycle)
    body_kind = deciding_body_kind(definition, phase, item)
    deciding = [body.name for body in active_bodies(session, organisation, body_kind)] if body_kind else []
    decisions: list[Decision] = []
    if item.evidence_kind == EvidenceKind.DECISION and phase.status == PhaseStatus.ACTIVE:
        context = EvidenceContext(organisation, cycle, phase, item, lambda: definition, on)
        decisions = citable_decisions(session, context)
    done_by = session.get(Person, item.completed_by_person_id) if item.completed_by_person_id else None
    evidence = session.exec(
        select(Evidence.title, Evidence.uri).where(Evidence.checklist_item_id == item.id).order_by(col(Evidence.id))
    ).all()
    item_view = {
        "owners": owner_text(session, organisation, item.owner_role_key, on),
        "evidence_kind": EVIDENCE_SV[EvidenceKind(item.evidence_kind)],
        "completed_by": done_by.name if done_by else None,
        "completed_at": local_stamp(item.completed_at) if item.completed_at else None,
        "evidence": [evidence_link(title, uri) for title, uri in evidence],
        "may_complete": viewer is not None and may_complete(session, organisation, viewer, phase, item, on),
    }
    return {
        "item": item,
        "phase": phase,
        "decisions": decisions,
        "phase_opened_on": earliest_decision_day(cycle, phase),
        "deciding": " eller ".join(deciding),
        "needs": _needs(session, organisation, phase, item),
        "item_view": item_view,
        "org": organisation,
    }
