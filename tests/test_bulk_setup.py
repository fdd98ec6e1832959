"""Loading and cycle start in bulk (issue 19): a file's rows are written a table at a time, so the statements a
load issues do not grow with its people and roles; the simulation's one phase_opened sweep for every started
cycle leaves the same outbox as start_cycle announcing each cycle on its own."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import make_engine, session_scope, upgrade
from samverkan.models import AuditEntry, ChecklistItem, Notification, Person, Phase, RoleAssignment
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file, validate_text
from samverkan.services.actor import Actor
from samverkan.services.cycle import start_cycle
from samverkan.services.errors import ServiceError
from samverkan.services.simulation import _a_coordinator
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES

FIRST = date(2027, 1, 4)
MOMENT = datetime(2027, 1, 4, 6, 0, tzinfo=STOCKHOLM)


def with_extra_people(text: str, count: int) -> str:
    """Fagerstas file with `count` more roles, each held by a new person."""
    roles = "".join(f"  - {{key: extra-{n}, name: Extra roll {n}, party: fagersta}}\n" for n in range(count))
    people = "".join(
        f"  - {{key: extra-{n}, name: Extra Person {n}, email: extra.{n}@fagersta.example}}\n" for n in range(count)
    )
    held = "".join(f"  - {{role: extra-{n}, person: extra-{n}, from: 2024-01-01}}\n" for n in range(count))
    for section, lines in (("roles", roles), ("people", people), ("assignments", held)):
        assert text.count(f"\n{section}:\n") == 1
        text = text.replace(f"\n{section}:\n", f"\n{section}:\n{lines}", 1)
    return text


def statements_to_load(url: str, text: str) -> tuple[int, int]:
    """The SQL statements one load of `text` into a fresh database issues, and the audit entries it wrote."""
    engine = make_engine(url)
    upgrade(engine)
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *_args: seen.append(1))
    result = validate_text(text, "fagersta.yaml")
    assert result.ok, [str(issue) for issue in result.errors]
    with session_scope(engine) as session:
        report = load_config(session, result)
    statements = len(seen)
    with Session(engine) as session:
        audited = len(session.exec(select(AuditEntry)).all())
        assert audited == len(report.changes)  # every change has its audit entry
        extra = session.exec(select(Person).where(col(Person.email).like("extra.%"))).all()
        held = session.exec(select(RoleAssignment).where(col(RoleAssignment.person_id).in_([p.id for p in extra])))
        assert len(held.all()) == len(extra)
    engine.dispose()
    return statements, audited


def test_a_load_issues_as_many_statements_for_30_more_people_as_for_3(tmp_path: Path) -> None:
    text = (EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8")
    few, few_audited = statements_to_load(f"sqlite:///{tmp_path / 'few.db'}", with_extra_people(text, 3))
    many, many_audited = statements_to_load(f"sqlite:///{tmp_path / 'many.db'}", with_extra_people(text, 30))
    assert many_audited == few_audited + 27 * 3  # a role, a person and an assignment for each extra person
    assert many == few, (few, many)


def test_a_cycle_starts_in_a_bounded_number_of_statements_with_its_items_due(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *_args: seen.append(1))
    with session_scope(engine) as session:
        coordinator = _a_coordinator(session, "fagersta", FIRST)
        assert coordinator is not None
        cycle = start_cycle(session, Actor("fagersta", coordinator, FIRST, MOMENT), notify=False)
        cycle_id = cycle.id
    with Session(engine) as session:
        phases = session.exec(select(Phase).where(Phase.cycle_id == cycle_id).order_by(col(Phase.ordinal))).all()
        items = session.exec(select(ChecklistItem).where(col(ChecklistItem.phase_id).in_([p.id for p in phases])))
        by_phase: dict[int | None, list[ChecklistItem]] = {}
        for item in items.all():
            by_phase.setdefault(item.phase_id, []).append(item)
    assert len(phases) > 1 and all(by_phase.get(p.id) for p in phases)
    assert phases[0].due_on is not None and phases[0].opened_at is not None
    assert all(item.due_on is not None and item.due_on >= FIRST for item in by_phase[phases[0].id])
    assert all(item.due_on is None for phase in phases[1:] for item in by_phase[phase.id])  # due when opened
    total_items = sum(len(rows) for rows in by_phase.values())
    assert len(seen) < total_items, (len(seen), total_items)  # not one statement per phase or item


def _outbox(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.exec(select(Notification)).all()
        return sorted(
            (n.idempotency_key, n.kind, n.subject, n.body_text, n.role_key, n.related_type, n.due_on, n.not_before)
            for n in rows
        )


def _started(url: str, one_sweep: bool) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    upgrade(engine)
    keys = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        with session_scope(engine) as session:
            keys.append(load_config(session, validate_file(path)).organisation_key)
    started = []
    for key in keys:
        with session_scope(engine) as session:
            coordinator = _a_coordinator(session, key, FIRST)
            if coordinator is None:
                continue
            try:  # as the simulation does: a file whose roles do not fit the process gets no cycle
                start_cycle(session, Actor(key, coordinator, FIRST, MOMENT), notify=not one_sweep)
                started.append(key)
            except ServiceError:
                continue
    if one_sweep:
        with session_scope(engine) as session:
            sweep(session, MOMENT, org_keys=started, lookback_days=0, kinds={"phase_opened"})
    outbox = _outbox(engine)
    engine.dispose()
    assert len(started) > 3
    return outbox


def test_one_phase_opened_sweep_for_all_cycles_leaves_the_outbox_each_start_would(tmp_path: Path) -> None:
    each = _started(f"sqlite:///{tmp_path / 'each.db'}", one_sweep=False)
    once = _started(f"sqlite:///{tmp_path / 'once.db'}", one_sweep=True)
    assert each  # the first phases' owners are told
    assert once == each
