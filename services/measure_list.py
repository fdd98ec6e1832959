"""The åtgärder of an organisation's current cycle, by deadline."""

from __future__ import annotations

from sqlmodel import Session, col, select

from samverkan.models import Cause, Cycle, Measure, Organisation, Role
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


def role_function_names(session: Session, organisation: Organisation) -> dict[str, str]:
    """Role function (or key) → the role's name in this organisation, to show an åtgärd's owner by name."""
    names: dict[str, str] = {}
    for role in session.exec(select(Role).where(Role.organisation_id == organisation.id)).all():
        names.setdefault(role.key, role.name)
        if role.function:
            names.setdefault(role.function, role.name)
    return names
