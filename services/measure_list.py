"""The åtgärder of an organisation's current cycle, by deadline."""

from __future__ import annotations

from sqlmodel import Session, col, select

from samverkan.models import Cause, Cycle, Measure, Organisation
from samverkan.models.enums import CycleStatus


def _active_cycle_id(session: Session, organisation: Organisation) -> int | None:
    return session.exec(
        select(Cycle.id).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()


def current_measures(session: Session, organisation: Organisation) -> list[Measure]:
    """The active cycle's åtgärder; none when no cycle is active."""
    cycle_id = _active_cycle_id(session, organisation)
    if cycle_id is None:
        return []
    return list(session.exec(select(Measure).where(Measure.cycle_id == cycle_id).order_by(col(Measure.due_on))).all())


def current_measures_with_causes(session: Session, organisation: Organisation) -> list[tuple[Measure, Cause]]:
    """Each åtgärd of the active cycle with the cause it acts on."""
    cycle_id = _active_cycle_id(session, organisation)
    if cycle_id is None:
        return []
    rows = session.exec(
        select(Measure, Cause)
        .join(Cause, col(Cause.id) == Measure.cause_id)
        .where(Measure.cycle_id == cycle_id)
        .order_by(col(Measure.due_on))
    ).all()
    return list(rows)
