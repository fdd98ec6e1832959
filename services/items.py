"""One checklist item with what its page shows; reads only that item (not the whole cycle)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from samverkan.models import ChecklistItem, Cycle, Decision, Organisation, Person, Phase
from samverkan.models.enums import EvidenceKind
from samverkan.services.cycle import EVIDENCE_SV, owner_text
from samverkan.services.errors import NotFoundError
from samverkan.services.overview import find_organisation


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


def item_details(session: Session, org_key: str, item_id: int, on: date) -> dict[str, Any]:
    """The item, its phase, the decisions it may cite as evidence, and who owns and completed it."""
    organisation = find_organisation(session, org_key)
    item, phase = _item(session, organisation, item_id)
    decisions = (
        session.exec(
            select(Decision)
            .where(Decision.organisation_id == organisation.id)
            .order_by(col(Decision.number).desc())
            .limit(50)
        ).all()
        if item.evidence_kind == EvidenceKind.DECISION
        else []
    )
    done_by = session.get(Person, item.completed_by_person_id) if item.completed_by_person_id else None
    item_view = {
        "owners": owner_text(session, organisation, item.owner_role_key, on),
        "evidence_kind": EVIDENCE_SV[EvidenceKind(item.evidence_kind)],
        "completed_by": done_by.name if done_by else None,
    }
    return {"item": item, "phase": phase, "decisions": decisions, "item_view": item_view, "org": organisation}
