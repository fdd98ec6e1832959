"""Test fixtures: a freshly migrated database per test, on SQLite and, when
SAMVERKAN_TEST_DATABASE_URL is set, on PostgreSQL too (each test in its own schema)."""

from __future__ import annotations

import os
import tempfile
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
    """URL of an empty database of each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'samverkan.db'}"
        return
    with pg_schema() as url:
        yield url


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
    """A database migrated to the newest schema by the real Alembic migrations, marked as a test database (the
    CLI takes --as there without an API key, and --date sets its clock: services/installation.py)."""
    eng = make_engine(db_url)
    upgrade(eng)
    with session_scope(eng) as session:
        mark(session, Purpose.TEST, "pytest")
    yield eng
    eng.dispose()


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
