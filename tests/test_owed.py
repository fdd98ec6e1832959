"""One rule for "a reminder is still owed": what the sweep writes, what a change takes off the outbox at once,
and what delivery stops just before sending."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.database import session_scope
from samverkan.models import ChecklistItem, Cycle, Measure, Notification, Phase
from samverkan.models.enums import (
    CausePerspective,
    CycleStatus,
    ItemStatus,
    NotificationStatus,
    PhaseStatus,
    Related,
)
from samverkan.notifications.delivery import deliver_pending
from samverkan.notifications.owed import item_reason, measure_reason, phase_reason
from samverkan.services import cycle, substance
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNDIREKTOR, KOMMUNPOLIS, SAMORDNARE, Driver, decided, doc

STHLM = ZoneInfo("Europe/Stockholm")
DEADLINE = date(2027, 2, 1)


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=STHLM)


@pytest.fixture
def d(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", date(2027, 1, 11))
    driver.load(EXAMPLES / "fagersta.yaml")
    driver(cycle.start_cycle, SAMORDNARE)
    return driver


def run(engine: Engine, day: date, kind: str) -> None:
    with session_scope(engine) as session:
        sweep(session, at(day), kinds=[kind], lookback_days=0)


def about(engine: Engine, related: Related) -> list[Notification]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Notification).where(Notification.related_type == related).order_by(col(Notification.id))
            ).all()
        )


def test_reminders_and_escalations_carry_the_deadline_they_are_about(d: Driver) -> None:
    d(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", DEADLINE)
    run(d.engine, date(2027, 1, 25), "item_deadline")
    run(d.engine, date(2027, 2, 4), "item_deadline")
    notifications = about(d.engine, Related.ITEM)
    assert [(n.kind, n.due_on) for n in notifications] == [("paminnelse-7", DEADLINE), ("eskalering", DEADLINE)]
    assert {n.due_on for n in about(d.engine, Related.PHASE)} == {None}


def test_a_new_deadline_takes_the_old_deadlines_reminders_off_the_outbox(d: Driver) -> None:
    d(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", DEADLINE)
    run(d.engine, date(2027, 1, 25), "item_deadline")
    d(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", date(2027, 2, 15))
    (old,) = about(d.engine, Related.ITEM)
    assert (old.status, old.last_error) == (
        NotificationStatus.CANCELLED,
        "stoppad: tidsfristen har ändrats till 2027-02-15",
    )
    run(d.engine, date(2027, 2, 8), "item_deadline")
    new = about(d.engine, Related.ITEM)[-1]
    assert (new.kind, new.due_on, new.status) == ("paminnelse-7", date(2027, 2, 15), NotificationStatus.PENDING)


def test_delivery_compares_the_reminders_deadline_with_the_items(d: Driver) -> None:
    d(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", DEADLINE)
    run(d.engine, date(2027, 1, 25), "item_deadline")
    (reminder,) = about(d.engine, Related.ITEM)
    with session_scope(d.engine) as session:  # changed behind the service's back, as an older release could
        session.execute(
            sa.update(ChecklistItem).where(col(ChecklistItem.id) == reminder.related_id).values(due_on=date(2027, 3, 1))
        )
    report = deliver_pending(d.engine, at(date(2027, 1, 25), 9), only_ids=[reminder.id])  # type: ignore[list-item]
    assert report.cancelled == 1 and report.sent == 0
    (stopped,) = about(d.engine, Related.ITEM)
    assert stopped.last_error == "stoppad: tidsfristen har ändrats till 2027-03-01"


def test_omtag_takes_reminders_about_the_reset_phase_off_the_outbox(d: Driver) -> None:
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))
    d(cycle.set_deadline, KOMMUNDIREKTOR, "polisens-lagesbild", DEADLINE)
    run(d.engine, date(2027, 1, 25), "item_deadline")
    with Session(d.engine) as session:
        lagesbild = session.exec(select(Phase).where(Phase.key == "lagesbild")).one()
    assert {n.status for n in about(d.engine, Related.ITEM)} == {NotificationStatus.PENDING}
    d(cycle.reopen_phase, SAMORDNARE, "initiera", "Ny kommunstyrelse efter valet")
    assert {(n.status, n.last_error) for n in about(d.engine, Related.ITEM)} == {
        (NotificationStatus.CANCELLED, "stoppad: punktens fas pågår inte längre")
    }
    opened = [n for n in about(d.engine, Related.PHASE) if n.related_id == lagesbild.id]
    assert opened and {(n.status, n.last_error) for n in opened} == {
        (NotificationStatus.CANCELLED, "stoppad: fasen pågår inte längre")
    }


def test_an_atgard_carried_out_is_reminded_of_no_more(d: Driver) -> None:
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1)
    cause = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem.id,
        perspective=CausePerspective.PLACE,
        direct=True,
        description="Dålig belysning vid torget",
    )
    measure = d(
        substance.add_measure,
        SAMORDNARE,
        cause_id=cause.id,
        title="Ny belysning på torget",
        owner="samordnare",
        due_on=DEADLINE,
        follow_up="Antal anmälda skadegörelser per kvartal",
    )
    run(d.engine, date(2027, 1, 25), "measure_deadline")
    d(substance.update_measure, SAMORDNARE, measure_id=measure.id, progress_pct=50)
    (reminder,) = about(d.engine, Related.MEASURE)
    assert (reminder.status, reminder.due_on) == (NotificationStatus.PENDING, DEADLINE)
    d(substance.update_measure, SAMORDNARE, measure_id=measure.id, progress_pct=100)
    (stopped,) = about(d.engine, Related.MEASURE)
    assert (stopped.status, stopped.last_error) == (NotificationStatus.CANCELLED, "stoppad: åtgärden är genomförd")
    run(d.engine, date(2027, 1, 31), "measure_deadline")  # the sweep writes none for it either
    assert len(about(d.engine, Related.MEASURE)) == 1


RUNNING, CLOSED = Cycle(status=CycleStatus.ACTIVE), Cycle(status=CycleStatus.CLOSED)
CURRENT, LATER, DONE = (Phase(status=s) for s in (PhaseStatus.ACTIVE, PhaseStatus.NOT_STARTED, PhaseStatus.COMPLETED))


def item(status: ItemStatus = ItemStatus.OPEN, due_on: date | None = DEADLINE) -> ChecklistItem:
    return ChecklistItem(status=status, due_on=due_on)


@pytest.mark.parametrize(
    ("subject", "phase", "running", "named", "reason"),
    [
        (item(), CURRENT, RUNNING, DEADLINE, None),
        (item(), CURRENT, RUNNING, None, None),  # not about a deadline (or written before due_on existed)
        (item(ItemStatus.DONE), CURRENT, RUNNING, DEADLINE, "punkten är klar"),
        (item(), LATER, RUNNING, DEADLINE, "punktens fas pågår inte längre"),
        (item(), DONE, RUNNING, DEADLINE, "punktens fas pågår inte längre"),
        (item(), CURRENT, CLOSED, DEADLINE, "cykeln är avslutad"),
        (item(due_on=date(2027, 3, 1)), CURRENT, RUNNING, DEADLINE, "tidsfristen har ändrats till 2027-03-01"),
        (item(due_on=None), CURRENT, RUNNING, DEADLINE, "tidsfristen är borttagen"),
        (None, None, None, DEADLINE, "punkten finns inte längre"),
    ],
)
def test_when_a_reminder_about_an_item_is_owed(
    subject: ChecklistItem | None, phase: Phase | None, running: Cycle | None, named: date | None, reason: str | None
) -> None:
    assert item_reason(subject, phase, running, named) == reason


def test_when_a_reminder_about_an_atgard_or_a_phase_is_owed() -> None:
    def measure(pct: int) -> Measure:
        return Measure(progress_pct=pct, due_on=DEADLINE)

    assert measure_reason(measure(99), RUNNING, DEADLINE) is None
    assert measure_reason(measure(100), RUNNING, DEADLINE) == "åtgärden är genomförd"
    assert measure_reason(None, None, None) == "åtgärden är genomförd"
    assert measure_reason(measure(0), CLOSED, DEADLINE) == "cykeln är avslutad"
    assert measure_reason(measure(0), RUNNING, date(2027, 1, 1)) == "tidsfristen har ändrats till 2027-02-01"
    assert phase_reason(CURRENT, RUNNING) is None
    assert phase_reason(DONE, RUNNING) == phase_reason(LATER, RUNNING) == "fasen pågår inte längre"
    assert phase_reason(CURRENT, CLOSED) == "cykeln är avslutad"
