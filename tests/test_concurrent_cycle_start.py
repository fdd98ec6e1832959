"""One running cycle per organisation, held by the database (the unique index uq_cycle_one_running, migration
0011_one_running_cycle), on SQLite and PostgreSQL: two starts at the same moment that both read "none is running"
leave one cycle and one clean Swedish refusal, through the service layer and through the web form; and the
migration refuses, naming them, a database that already has two running cycles for an organisation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from samverkan.cli.main import app
from samverkan.database import current_revision, head_revision, session_scope, upgrade
from samverkan.database.migrate import MigrationRefused, alembic_config
from samverkan.models import AuditEntry, ChecklistItem, Cycle, Notification, Person, Phase
from samverkan.models.enums import CycleStatus
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.services import accounts, cycle
from samverkan.services.errors import RefusedError
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver
from tests.interleave import WAIT, writers
from tests.live import _hashed, live_server

DAY = date(2027, 1, 11)
INDEX = "uq_cycle_one_running"
BEFORE = "0010_cadence_plan"
REFUSAL = "Fagersta kommun har redan en pågående cykel (den startades samtidigt av någon annan)"


@pytest.fixture
def d(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", DAY)
    driver.load(EXAMPLES / "fagersta.yaml")
    return driver


def _start(d: Driver, email: str) -> Any:
    return lambda session: cycle.start_cycle(session, d.actor(email))


def _one_cycle_written(engine: Engine) -> Cycle:
    """One cycle, and only its own phases, items, audit entry and notices: nothing of the refused start."""
    with Session(engine) as session:
        [running] = session.exec(select(Cycle)).all()
        phases = session.exec(select(Phase.cycle_id).distinct()).all()
        items = session.exec(
            select(func.count()).select_from(ChecklistItem).join(Phase, col(Phase.id) == ChecklistItem.phase_id)
        ).one()
        started = session.exec(select(AuditEntry).where(AuditEntry.action == "cycle.start")).all()
        assert phases == [running.id] and items > 0
        assert [e.entity_id for e in started] == [running.id]
        notices = session.exec(select(Notification.idempotency_key)).all()
        assert len(notices) == len(set(notices))
        return running


def test_two_starts_at_once_leave_one_running_cycle(d: Driver) -> None:
    """Both read "no cycle is running"; the second's insert waits for the first, and is refused when it commits."""
    with writers(d.engine) as both:
        started, refused = both.first_then_second(_start(d, SAMORDNARE), _start(d, KOMMUNPOLIS))
    assert isinstance(started, Cycle) and started.number == 1, started
    assert isinstance(refused, RefusedError), refused
    assert str(refused) == REFUSAL
    running = _one_cycle_written(d.engine)
    assert (running.id, running.status) == (started.id, CycleStatus.ACTIVE)
    # once it has committed, a later start is refused by the check, naming the cycle
    with pytest.raises(RefusedError, match=r"^Fagersta kommun har redan en pågående cykel \(nr 1\)$"):
        d(cycle.start_cycle, KOMMUNPOLIS)


def _migrate_to(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def _indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(engine).get_indexes("cycle")}


def _set_status(engine: Engine, number: int, status: CycleStatus) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE cycle SET status = :status WHERE number = :number"),
            {"status": status.value, "number": number},
        )


def test_the_migration_refuses_two_running_cycles_naming_them_and_goes_up_and_down(d: Driver, db_url: str) -> None:
    engine = d.engine
    d(cycle.start_cycle, SAMORDNARE)
    assert INDEX in _indexes(engine)
    _migrate_to(engine, BEFORE)
    assert INDEX not in _indexes(engine) and current_revision(engine) == BEFORE
    with engine.begin() as connection:  # a second running cycle, as two racing starts could leave before 0011
        connection.execute(
            sa.text(
                "INSERT INTO cycle (organisation_id, agreement_id, number, definition_key, definition_version, "
                "definition_snapshot, status, started_at, started_on, version) "
                "SELECT organisation_id, agreement_id, 2, definition_key, definition_version, definition_snapshot, "
                "status, started_at, started_on, version FROM cycle WHERE number = 1"
            )
        )
    with pytest.raises(MigrationRefused) as refused:
        upgrade(engine)
    message = str(refused.value)
    assert message.startswith("databasen kan inte uppgraderas till 0011_one_running_cycle: en organisation kan")
    assert "  - Fagersta kommun (fagersta): cykel nr 1 (startad 2027-01-11), nr 2 (startad 2027-01-11)\n" in message
    assert message.endswith("kör 'samverkan db upgrade' igen. Migreringen 0011 har inte gjorts.")
    assert current_revision(engine) == BEFORE and INDEX not in _indexes(engine)
    # the operator's command says the same, as 'fel: …' with exit code 1, no traceback
    answer = CliRunner().invoke(app, ["db", "upgrade", "--db", db_url])
    assert answer.exit_code == 1 and answer.stderr == f"fel: {message}\n", answer.output
    assert current_revision(engine) == BEFORE
    # with one of them closed, the index is built; a second running cycle is then the database's to refuse
    _set_status(engine, 2, CycleStatus.CLOSED)
    upgraded = CliRunner().invoke(app, ["db", "upgrade", "--db", db_url])
    assert upgraded.stdout == f"schema: {BEFORE} → {head_revision()}\n"
    assert INDEX in _indexes(engine)
    with pytest.raises(IntegrityError):
        _set_status(engine, 2, CycleStatus.ACTIVE)
    _migrate_to(engine, BEFORE)
    assert INDEX not in _indexes(engine)
    _migrate_to(engine, "head")
    assert INDEX in _indexes(engine) and current_revision(engine) == head_revision()


# -- through the web form ------------------------------------------------------------------------------


@pytest.fixture
def web(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Engine]]:
    """Fagersta with passwords and no cycle yet, served over real HTTP."""
    from tests.test_delivery import fagersta_text

    result = validate_text(fagersta_text(), "fagersta.yaml")
    assert result.ok
    with session_scope(engine) as session:
        load_config(session, result)
        for person in session.exec(select(Person)).all():
            session.add(accounts.Account(person_id=person.id, password_hash=_hashed()))
    hold = _HoldFirstStart(engine)  # listens before the web app's own listeners
    try:
        with live_server(engine, tmp_path / "data", monkeypatch) as server:
            yield server, hold
    finally:
        hold.close()


class _HoldFirstStart:
    """The first request that inserts a cycle is held just before its commit, until the second request is about
    to insert its own (and, on PostgreSQL, waits for the first's)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.first: int | None = None
        self.first_at_commit, self.second_at_insert = threading.Event(), threading.Event()
        self.release = threading.Event()
        self.second_pid: int | None = None
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._commit)

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "commit", self._commit)

    def _statement(self, conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if not sql.startswith("INSERT INTO cycle "):
            return
        if self.first is None:
            self.first = threading.get_ident()
        elif threading.get_ident() != self.first:
            if conn.dialect.name == "postgresql":
                self.second_pid = conn.connection.dbapi_connection.info.backend_pid
            self.second_at_insert.set()

    def _commit(self, _conn: Any) -> None:
        if threading.get_ident() == self.first and not self.first_at_commit.is_set():
            self.first_at_commit.set()
            assert self.release.wait(WAIT)

    def second_waits(self) -> None:
        assert self.second_at_insert.wait(WAIT), "the second start never reached its insert"
        if self.second_pid is None:
            return  # SQLite: it waits for the writer's turn the first holds
        deadline = time.monotonic() + WAIT
        with self.engine.connect() as connection:
            while time.monotonic() < deadline:
                kind = connection.execute(
                    sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": self.second_pid}
                ).scalar()
                connection.rollback()
                if kind == "Lock":
                    return
                time.sleep(0.02)
        raise AssertionError("the second start did not wait for the first")


def test_two_coordinators_press_start_at_once_on_the_web(web: tuple[Any, _HoldFirstStart]) -> None:
    server, hold = web
    maria, johan = server.login(SAMORDNARE), server.login(KOMMUNPOLIS)
    answers: dict[str, httpx.Response] = {}

    def press(name: str, client: httpx.Client) -> None:
        answers[name] = client.post("/org/fagersta/cykel/starta", data={"csrf_token": client.csrf})

    first = threading.Thread(target=press, args=("maria", maria))
    first.start()
    try:
        assert hold.first_at_commit.wait(WAIT), "Maria's start never came to its commit"
        second = threading.Thread(target=press, args=("johan", johan))
        second.start()
        hold.second_waits()
    finally:
        hold.release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert answers["maria"].status_code == 303, answers["maria"].text
    refused = answers["johan"]
    assert refused.status_code == 422 and REFUSAL in refused.text, refused.text
    assert "Traceback" not in refused.text
    running = _one_cycle_written(server.engine)
    assert running.number == 1
    page = maria.get("/org/fagersta/cykel")
    assert page.status_code == 200 and "Cykel 1" in page.text
