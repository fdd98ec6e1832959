"""Mitt arbete's checklist entries (services/my_work.py), read with queries built once and plain rows, are the
open items of the running phase owned by one of the person's functions, each with its phase, owner and
deadline, overdue once the deadline has passed; compared with the same rule applied to the ORM's objects."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import ChecklistItem, Cycle, Measure, Person, Phase
from samverkan.models.enums import CausePerspective, CycleStatus, ItemStatus, MeasureState, MeasureStatus, PhaseStatus
from samverkan.services import cycle
from samverkan.services.my_work import held_roles, my_work
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver, doc, fagersta_with_cycle

START = date(2027, 1, 11)


@pytest.fixture
def fagersta(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", START)
    driver.load(EXAMPLES / "fagersta.yaml")
    driver(cycle.start_cycle, SAMORDNARE)
    return driver


def _expected(session: Session, person: Person, on: date) -> list[tuple[str, str, str | None, bool, str]]:
    """The rule, applied to ORM objects: (title, detail, deadline, overdue, item id) of each open item of the
    active phase whose owner is one of the person's roles' functions or keys."""
    roles = [role for group in held_roles(session, person, on).values() for role in group]
    functions = {r.function or r.key for r in roles} | {r.key for r in roles}
    named = {r.key: r.name for r in roles} | {r.function: r.name for r in roles if r.function}
    phase = session.exec(select(Phase).where(Phase.status == PhaseStatus.ACTIVE)).one()
    items = session.exec(
        select(ChecklistItem).where(ChecklistItem.phase_id == phase.id, ChecklistItem.status == ItemStatus.OPEN)
    ).all()
    return sorted(
        (
            (
                i.title,
                f"{phase.name} · ansvarig: {named[i.owner_role_key]}",
                i.due_on.isoformat() if i.due_on else None,
                i.due_on is not None and i.due_on < on,
                str(i.id),
            )
            for i in items
            if i.owner_role_key in functions
        ),
        key=lambda entry: (not entry[3], entry[2] or "9999", int(entry[4])),
    )


def _entries(session: Session, person: Person, on: date) -> list[tuple[str, str, str | None, bool, str]]:
    work = my_work(session, person, on)
    return [
        (e.title, e.detail, e.due_on, e.overdue, e.ref)
        for org in work.organisations
        for e in org.entries
        if e.kind == "punkt"
    ]


@pytest.mark.parametrize("who", [SAMORDNARE, KOMMUNPOLIS])
def test_open_items_of_the_persons_functions_before_and_after_their_deadlines(fagersta: Driver, who: str) -> None:
    with Session(fagersta.engine) as session:
        person = session.exec(select(Person).where(Person.email == who)).one()
        deadlines = sorted({d for d in session.exec(select(ChecklistItem.due_on)).all() if d is not None})
        days = [START, deadlines[0] + timedelta(days=1), deadlines[-1] + timedelta(days=1)]
        for on in days:
            assert _entries(session, person, on) == _expected(session, person, on)  # in the page's order too
        assert _expected(session, person, START) and not any(e[3] for e in _expected(session, person, START))
        assert all(e[3] == (e[2] is not None) for e in _expected(session, person, days[-1]))


def test_a_completed_item_leaves_the_list(fagersta: Driver) -> None:
    with Session(fagersta.engine) as session:
        person = session.exec(select(Person).where(Person.email == KOMMUNPOLIS)).one()
        before = _entries(session, person, START)
    fagersta(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller och mandat"))
    with Session(fagersta.engine) as session:
        after = _entries(session, person, START)
        roles_item = session.exec(select(ChecklistItem).where(ChecklistItem.key == "roller-och-ansvar")).one()
    assert str(roles_item.id) in {ref for *_, ref in before}
    assert [entry for entry in before if entry[4] != str(roles_item.id)] == after


def test_unfinished_atgarder_of_the_persons_functions_due_within_60_days_or_not_green(engine: Engine) -> None:
    """The åtgärder on Mitt arbete (read with the cycle and its items in one statement): unfinished and not
    cancelled, owned by one of the person's functions, due within 60 days or not green; by deadline."""
    from tests.test_orsak import ON, cause, prioritised

    d = fagersta_with_cycle(engine, ON)
    cause_id = cause(d, prioritised(d), CausePerspective.PLACE, "Mörkt torg")
    soon, later = ON + timedelta(days=30), ON + timedelta(days=200)
    shown = [("Försenad", ON - timedelta(days=1), MeasureStatus.GREEN), ("Snart", soon, MeasureStatus.GREEN),
             ("Senare men röd", later, MeasureStatus.RED)]  # fmt: skip
    with Session(engine) as session:
        cycle_id = session.exec(select(Cycle.id).where(Cycle.status == CycleStatus.ACTIVE)).one()
        base = {"cycle_id": cycle_id, "cause_id": cause_id, "follow_up": "Kvartalsvis"}
        rows = [Measure(title=t, due_on=due, status=status, owner_role_key="samordnare", progress_pct=40, **base)
                for t, due, status in shown]  # fmt: skip
        rows += [
            Measure(title="Senare och grön", due_on=later, owner_role_key="samordnare", **base),
            Measure(title="Genomförd", due_on=soon, owner_role_key="samordnare", progress_pct=100, **base),
            Measure(title="Avbruten", due_on=soon, owner_role_key="samordnare", state=MeasureState.CANCELLED, **base),
            Measure(title="Någon annans", due_on=soon, owner_role_key="finns-inte", **base),
        ]
        session.add_all(rows)
        session.commit()
        person = session.exec(select(Person).where(Person.email == SAMORDNARE)).one()
        work = my_work(session, person, ON)
    entries = [e for org in work.organisations for e in org.entries if e.kind == "atgard"]
    assert [(e.title, e.due_on, e.overdue) for e in entries] == [
        ("Försenad", (ON - timedelta(days=1)).isoformat(), True),
        ("Snart", soon.isoformat(), False),
        ("Senare men röd", later.isoformat(), False),
    ]
    assert entries[2].detail == "status röd · 40 % klart"
    with Session(engine) as session:
        active = session.exec(select(Phase.name).where(Phase.status == PhaseStatus.ACTIVE)).one()
    assert [org.phase for org in work.organisations if org.key == "fagersta"] == [active]
