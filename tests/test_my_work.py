"""Mitt arbete's checklist entries (services/my_work.py), read with queries built once and plain rows, are the
open items of the running phase owned by one of the person's functions, each with its phase, owner and
deadline, overdue once the deadline has passed; compared with the same rule applied to the ORM's objects."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import ChecklistItem, Person, Phase
from samverkan.models.enums import ItemStatus, PhaseStatus
from samverkan.services import cycle
from samverkan.services.my_work import held_roles, my_work
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver, doc

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
    phase = session.exec(select(Phase).where(Phase.status == PhaseStatus.ACTIVE)).one()
    items = session.exec(
        select(ChecklistItem).where(ChecklistItem.phase_id == phase.id, ChecklistItem.status == ItemStatus.OPEN)
    ).all()
    return sorted(
        (
            (
                i.title,
                f"{phase.name} · ansvarig: {i.owner_role_key}",
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
