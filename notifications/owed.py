"""The one rule "a reminder or escalation is still owed", for checklist items, åtgärder and phases.

A reminder about an item is owed while the item is open, its phase is the current one and its cycle is
running, and (for a deadline reminder or escalation) the deadline it names is still the item's deadline.
An åtgärd is reminded of while it is not genomförd and its cycle runs; a phase's owners while it is current.

The rule is written twice side by side, like RoleAssignment.held_on / holds_on: as SQL conditions for the
sweep, which writes reminders only for what is owed, and in memory (`why_not_owed`) for delivery, which
checks again just before sending, and for `stop_unowed`, which takes what is no longer owed off the outbox in
the transaction of the change that ends the need (a completion, a new deadline).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from samverkan.models import ChecklistItem, Cycle, Measure, Notification, Phase
from samverkan.models.base import table_of
from samverkan.models.enums import CycleStatus, ItemStatus, NotificationStatus, PhaseStatus, Related

Conditions = tuple[sa.ColumnElement[bool], ...]


def item_owed() -> Conditions:
    """SQL: reminders about the item are owed (the query joins the item's Phase and Cycle)."""
    return (
        col(Cycle.status) == CycleStatus.ACTIVE,
        col(Phase.status) == PhaseStatus.ACTIVE,
        col(ChecklistItem.status) == ItemStatus.OPEN,
    )


def measure_owed() -> Conditions:
    """SQL: reminders about the åtgärd are owed (the query joins its Cycle)."""
    return col(Cycle.status) == CycleStatus.ACTIVE, Measure.unfinished()


def phase_owed() -> Conditions:
    """SQL: the phase's owners are still to be told about it (the query joins its Cycle)."""
    return col(Cycle.status) == CycleStatus.ACTIVE, col(Phase.status) == PhaseStatus.ACTIVE


def _cycle_reason(cycle: Cycle | None) -> str | None:
    return "cykeln är avslutad" if cycle is None or cycle.status != CycleStatus.ACTIVE else None


def _deadline_reason(deadline: date | None, named: date | None) -> str | None:
    """A deadline reminder names the deadline it was written for; a new deadline has reminders of its own."""
    if named is None or deadline == named:
        return None
    return f"tidsfristen har ändrats till {deadline}" if deadline else "tidsfristen är borttagen"


def phase_reason(phase: Phase | None, cycle: Cycle | None) -> str | None:
    """None while the phase's owners are owed word of it; otherwise why not."""
    if phase is None or phase.status != PhaseStatus.ACTIVE:
        return "fasen pågår inte längre"
    return _cycle_reason(cycle)


def item_reason(
    item: ChecklistItem | None, phase: Phase | None, cycle: Cycle | None, due_on: date | None
) -> str | None:
    """None while a reminder about the item (for the deadline `due_on`, if any) is owed; otherwise why not."""
    if item is None:
        return "punkten finns inte längre"
    if item.status == ItemStatus.DONE:
        return "punkten är klar"
    if phase is None or phase.status != PhaseStatus.ACTIVE:
        return "punktens fas pågår inte längre"
    return _cycle_reason(cycle) or _deadline_reason(item.due_on, due_on)


def measure_reason(measure: Measure | None, cycle: Cycle | None, due_on: date | None) -> str | None:
    """None while a reminder about the åtgärd (for the deadline `due_on`, if any) is owed; otherwise why not."""
    if measure is None or measure.is_implemented():
        return "åtgärden är genomförd"
    if measure.is_cancelled():
        return "åtgärden är avbruten genom beslut"
    return _cycle_reason(cycle) or _deadline_reason(measure.due_on, due_on)


def why_not_owed(session: Session, notification: Notification) -> str | None:
    """None if the notification is still owed (or is not about an item, an åtgärd or a phase); otherwise why not."""
    related, related_id = notification.related_type, notification.related_id
    if related_id is None:
        return None
    if related == Related.ITEM:
        item = session.get(ChecklistItem, related_id)
        phase = session.get(Phase, item.phase_id) if item else None
        cycle = session.get(Cycle, phase.cycle_id) if phase else None
        return item_reason(item, phase, cycle, notification.due_on)
    if related == Related.MEASURE:
        measure = session.get(Measure, related_id)
        cycle = session.get(Cycle, measure.cycle_id) if measure else None
        return measure_reason(measure, cycle, notification.due_on)
    if related == Related.PHASE:
        phase = session.get(Phase, related_id)
        cycle = session.get(Cycle, phase.cycle_id) if phase else None
        return phase_reason(phase, cycle)
    return None


def stop_unowed(session: Session, related: Related, related_id: int) -> int:
    """Take pending notifications about the thing that are no longer owed off the outbox, now, in the caller's
    transaction (delivery would stop them too, just before sending). Returns how many were stopped."""
    pending = session.exec(
        select(Notification).where(
            Notification.related_type == related,
            Notification.related_id == related_id,
            Notification.status == NotificationStatus.PENDING,
        )
    ).all()
    by_reason: dict[str, list[int]] = {}
    for notification in pending:
        reason = why_not_owed(session, notification)
        if reason is not None and notification.id is not None:
            by_reason.setdefault(reason, []).append(notification.id)
    stopped = 0
    for reason, ids in by_reason.items():
        result = session.execute(
            update(Notification)
            .where(col(Notification.id).in_(ids), col(Notification.status) == NotificationStatus.PENDING)
            .values(status=NotificationStatus.CANCELLED, last_error=f"stoppad: {reason}")
        )
        stopped += int(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
    return stopped


def stop_all(session: Session, related: Related, related_id: int, reason: str) -> int:
    """Take every pending notification about the thing off the outbox, in one statement, for a reason the caller
    has from this module that holds for each of them whatever deadline it names (`item_reason` of a done item).
    Returns how many were stopped; rows of this session about the thing show it too."""
    session.flush()  # rows still to be written are written first, as an ORM update would
    error = f"stoppad: {reason}"
    result = session.execute(_STOP_ALL, {"b_type": related, "b_id": related_id, "b_error": error})
    for row in list(session.identity_map.values()):
        if (
            isinstance(row, Notification)
            and (row.related_type, row.related_id) == (related, related_id)
            and row.status == NotificationStatus.PENDING
        ):
            set_committed_value(row, "status", NotificationStatus.CANCELLED)
            set_committed_value(row, "last_error", error)
    return int(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult


def _stop_all() -> sa.Update:
    """`stop_all`'s statement, built once with its values bound at each call (every completion runs it)."""
    notifications = table_of(Notification)
    return (
        sa.update(notifications)
        .where(
            notifications.c.related_type == sa.bindparam("b_type"),
            notifications.c.related_id == sa.bindparam("b_id"),
            notifications.c.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=sa.bindparam("b_error"))
    )


_STOP_ALL = _stop_all()


def preload_related(session: Session, notifications: Sequence[Notification]) -> None:
    """Load what a batch of notifications is about (items, åtgärder, phases and their cycles) in a few queries,
    so that `why_not_owed` finds each in the session instead of asking the database once per notification."""
    item_ids = {n.related_id for n in notifications if n.related_type == Related.ITEM and n.related_id is not None}
    measure_ids = {n.related_id for n in notifications if n.related_type == Related.MEASURE and n.related_id}
    phase_ids = {n.related_id for n in notifications if n.related_type == Related.PHASE and n.related_id is not None}
    cycle_ids: set[int] = set()
    if item_ids:
        items = session.exec(select(ChecklistItem).where(col(ChecklistItem.id).in_(item_ids))).all()
        phase_ids |= {item.phase_id for item in items}
    if measure_ids:
        measures = session.exec(select(Measure).where(col(Measure.id).in_(measure_ids))).all()
        cycle_ids |= {measure.cycle_id for measure in measures}
    if phase_ids:
        phases = session.exec(select(Phase).where(col(Phase.id).in_(phase_ids))).all()
        cycle_ids |= {phase.cycle_id for phase in phases}
    if cycle_ids:
        session.exec(select(Cycle).where(col(Cycle.id).in_(cycle_ids))).all()
