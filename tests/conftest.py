"""Test fixtures: a freshly migrated database per test, on SQLite and, when
SAMVERKAN_TEST_DATABASE_URL is set, on PostgreSQL too (each test in its own database, copied from a template the
migrations built once per session)."""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

# Prefect reads .env and ~/.prefect: keep every test process away from both (see the Prefect notes).
_PREFECT_HOME = tempfile.mkdtemp(prefix="samverkan-prefect-")
os.environ.update(
    {
        "PREFECT_API_URL": "",
        "PREFECT_HOME": _PREFECT_HOME,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
)

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from samverkan.database import make_engine, session_scope, upgrade  # noqa: E402
from samverkan.models import Purpose  # noqa: E402
from samverkan.services.installation import mark  # noqa: E402

if TYPE_CHECKING:
    from tests.counting import Counter
    from tests.receivers import JsonReceiver, SmtpServer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
PG_URL = os.environ.get("SAMVERKAN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a database of each backend under test: empty, or, for a test that uses `engine`, a copy of this
    session's template, which the real Alembic migrations brought to the newest schema once (migrating again for
    every test was a fifth of the suite's time)."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "samverkan.db"
        url = f"sqlite:///{path}"
        if migrated:
            _templates.copy_sqlite(path)
            _templates.prepared.add(url)
        yield url
        return
    with _templates.pg_database(migrated) as url:
        yield url


class _Templates:
    """One migrated database per backend and test session (per xdist worker), copied for each test."""

    def __init__(self) -> None:
        self.prepared: set[str] = set()  # URLs handed out as copies of the template (the engine fixture's check)
        self._sqlite: Path | None = None
        self._pg: str | None = None
        self._admin: sa.Engine | None = None
        self._queue: queue.Queue[str | None] | None = None
        self._dropper: threading.Thread | None = None

    def copy_sqlite(self, target: Path) -> None:
        import sqlite3
        from contextlib import closing

        if self._sqlite is None:
            template = Path(tempfile.mkdtemp(prefix="samverkan-mall-")) / "mall.db"
            _migrate(make_engine(f"sqlite:///{template}"), dispose=True)
            self._sqlite = template
        with closing(sqlite3.connect(self._sqlite)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)

    def admin(self) -> sa.Engine:
        """The session's one connection pool on the server's maintenance database (CREATE and DROP DATABASE)."""
        if self._admin is None:
            self._admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
        return self._admin

    def _create(self, name: str, template: str | None = None) -> str:
        with self.admin().connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)  # type: ignore[arg-type]

    @contextmanager
    def pg_database(self, migrated: bool) -> Iterator[str]:
        """A fresh PostgreSQL database for one test: a copy of the migrated template, or empty; dropped after."""
        if migrated and self._pg is None:
            name = f"mall_{uuid.uuid4().hex[:12]}"
            _migrate(make_engine(self._create(name)), dispose=True)
            self._pg = name
        name = f"t_{uuid.uuid4().hex[:12]}"
        url = self._create(name, self._pg if migrated else None)
        if migrated:
            self.prepared.add(url)
        try:
            yield url
        finally:
            self.prepared.discard(url)
            self._dropping(name)

    def _dropping(self, name: str) -> None:
        """Drop a test's database in the background: DROP DATABASE waits for a checkpoint, seconds on a busy
        machine, which no test needs to wait for. FORCE: a server a test started may still hold a connection."""
        if self._queue is None:
            self._queue = waiting = queue.Queue()
            admin = self.admin()

            def drop_each() -> None:
                while (next_name := waiting.get()) is not None:
                    try:
                        with admin.connect() as connection:
                            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{next_name}" WITH (FORCE)'))
                    except sa.exc.SQLAlchemyError as exc:  # left behind, named, rather than a stuck session
                        print(f"kunde inte ta bort testdatabasen {next_name}: {exc}")

            self._dropper = threading.Thread(target=drop_each, name="samverkan-test-drop", daemon=True)
            self._dropper.start()
        self._queue.put(name)

    def drop(self) -> None:
        """At the session's end: every test database and the template gone before the process exits."""
        if self._sqlite is not None:
            shutil.rmtree(self._sqlite.parent, ignore_errors=True)
        if self._pg is not None:
            self._dropping(self._pg)
        if self._queue is not None and self._dropper is not None:
            self._queue.put(None)
            self._dropper.join()
        if self._admin is not None:
            self._admin.dispose()


def _migrate(eng: Engine, dispose: bool = False) -> None:
    """The newest schema by the real Alembic migrations, marked as a test database."""
    upgrade(eng)
    with session_scope(eng) as session:
        mark(session, Purpose.TEST, "pytest")
    if dispose:  # a template: no connection may stay on it while it is copied
        eng.dispose()


_templates = _Templates()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _templates.drop()


@contextmanager
def pg_schema(prefix: str = "t") -> Iterator[str]:
    """A fresh PostgreSQL schema for one test (dropped afterwards), as a URL whose search_path points at it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)  # type: ignore[arg-type]
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A database at the newest schema, marked as a test database (the CLI takes --as there without an API key, and
    --date sets its clock: services/installation.py): the session's migrated template copied, or, where the
    database was asked for another way, migrated here by the real Alembic migrations."""
    eng = make_engine(db_url)
    if db_url not in _templates.prepared:
        _migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def counter(engine: Engine) -> Iterator[Counter]:
    """The statements issued on `engine` (the statement-bound tests)."""
    from tests.counting import Counter

    counting = Counter(engine)
    yield counting
    counting.close()


@pytest.fixture
def example() -> Path:
    return EXAMPLES / "fagersta.yaml"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    from tests.receivers import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def json_receiver() -> Iterator[JsonReceiver]:
    from tests.receivers import JsonReceiver

    receiver = JsonReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp_settings(smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """SAMVERKAN_SMTP_URL pointing at the loopback SMTP server, for the process's settings."""
    from samverkan.core.settings import get_settings

    monkeypatch.setenv("SAMVERKAN_SMTP_URL", smtp.url)
    get_settings.cache_clear()
    yield smtp
    get_settings.cache_clear()
