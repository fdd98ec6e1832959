"""Production commands: `samverkan web` with /health and /metrics, the first coordinator's login from the
command line, a backup that restores, and deploy's errors as one Swedish line."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import Session, func, select

from samverkan.cli.main import app
from samverkan.database import head_revision, make_engine, session_scope, upgrade
from samverkan.models import Notification, TriggerOccurrence
from samverkan.services.access import find_person
from samverkan.services.accounts import password_matches
from tests.conftest import EXAMPLES, PG_URL
from tests.receivers import free_port

HEAD = head_revision()  # the newest migration, whatever its id

SAMVERKAN = Path(sys.executable).parent / "samverkan"
SAMORDNARE = "maria.exempelsson@fagersta.example"
PASSWORD = "Ett-långt-lösen-2026"
HEAD = head_revision()  # the newest migration


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKAN_")}
    env.update(SAMVERKAN_DATABASE_URL=db_url, SAMVERKAN_DATA_DIR=str(tmp_path / "data"))
    env["SAMVERKAN_BASE_URL"] = "https://samverkan.kommun.example"
    return env


@pytest.fixture
def loaded(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'samverkan.db'}"
    assert CliRunner().invoke(app, ["load", str(EXAMPLES / "fagersta.yaml"), "--db", url]).exit_code == 0
    return url


@pytest.fixture
def web(tmp_path: Path, loaded: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(SAMVERKAN), "web", "--port", str(port), "--workers", "2", "--log-format", "json"],
        env=_env(tmp_path, loaded),
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "web.log").open("wb"),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "samverkan web startade inte"
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


def test_health_and_metrics_of_the_production_web_server(web: str, loaded: str, tmp_path: Path) -> None:
    first = httpx.get(f"{web}/health")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["schema"]["ok"]
    assert body["sweep"] == {"last_finished_at": None, "last_day": None, "age_seconds": None, "stale": True}
    assert httpx.get(f"{web}/health?strikt=1").status_code == 503  # no sweep yet: monitoring is told

    swept = CliRunner().invoke(app, ["sweep", "--db", loaded, "--now", "2027-02-05T06:30"])
    assert swept.exit_code == 0, swept.output
    after = httpx.get(f"{web}/health?strikt=1")
    assert after.status_code == 200
    assert after.json()["sweep"]["last_day"] == "2027-02-05" and after.json()["sweep"]["age_seconds"] < 120

    with Session(make_engine(loaded)) as session:
        pending = session.exec(select(func.count()).select_from(Notification)).one()
    metrics = httpx.get(f"{web}/metrics").text
    assert f'samverkan_outbox_notifications{{status="vantar"}} {pending}' in metrics
    assert 'samverkan_sweep_runs_total{scope="alla"} 1' in metrics
    assert "@" not in metrics  # aggregates only: no addresses

    with sqlite3.connect(loaded.removeprefix("sqlite:///")) as raw:  # the schema is no longer the program's
        raw.execute("UPDATE alembic_version SET version_num = '0005'")
    broken = httpx.get(f"{web}/health")
    assert broken.status_code == 503 and broken.json()["schema"] == {"current": "0005", "head": HEAD, "ok": False}

    logged = [json.loads(line) for line in (tmp_path / "web.log").read_text().splitlines()]  # structured logs
    assert any(entry["logger"].startswith("uvicorn") and entry["level"] == "info" for entry in logged)


def test_web_refuses_an_old_schema_and_a_relative_data_dir(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(make_engine(url), "0005")
    answer = subprocess.run(
        [str(SAMVERKAN), "web"], env=_env(tmp_path, url), capture_output=True, text=True, timeout=60
    )
    assert answer.returncode == 1
    assert (
        answer.stderr.strip() == f"fel: databasens schema är 0005, programmet kräver {HEAD}; kör 'samverkan db upgrade'"
    )
    env = _env(tmp_path, "postgresql+psycopg://samverkan@127.0.0.1:1/samverkan") | {"SAMVERKAN_DATA_DIR": "var"}
    relative = subprocess.run([str(SAMVERKAN), "web"], env=env, capture_output=True, text=True, timeout=60)
    assert relative.returncode == 1 and "SAMVERKAN_DATA_DIR måste vara en absolut sökväg" in relative.stderr


def test_the_first_coordinator_gets_a_login_from_the_command_line(loaded: str) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", SAMORDNARE, "--password-stdin", "--db", loaded], input=PASSWORD + "\n")
    assert added.exit_code == 0 and "Maria Exempelsson" in added.output
    with Session(make_engine(loaded)) as session:
        assert password_matches(session, find_person(session, SAMORDNARE), PASSWORD)
    short = runner.invoke(app, ["user", "add", SAMORDNARE, "--password-stdin", "--db", loaded], input="kort\n")
    assert short.exit_code == 1 and short.output.startswith("fel: ")
    unknown = runner.invoke(app, ["user", "invite", "okand@kommun.example", "--db", loaded])
    assert unknown.exit_code == 1 and "ingen person med e-postadressen" in unknown.output

    invited = runner.invoke(app, ["user", "invite", SAMORDNARE, "--db", loaded, "--json"])
    assert invited.exit_code == 0, invited.output
    assert '"link": "http://127.0.0.1:8000/inbjudan/' in invited.output or "/inbjudan/" in invited.output


def test_a_backup_of_a_live_sqlite_database_restores(loaded: str, tmp_path: Path) -> None:
    with session_scope(make_engine(loaded)) as session:  # some state worth keeping
        from samverkan.services.catchup import catch_up

        catch_up(session, None, documents_dir=tmp_path / "handlingar", pdf=False)
    writer = sqlite3.connect(loaded.removeprefix("sqlite:///"))
    writer.execute("BEGIN IMMEDIATE")  # another connection is in the middle of a write meanwhile
    target = tmp_path / "kopia" / "samverkan.db"
    answer = CliRunner().invoke(app, ["backup", "--db", loaded, "--out", str(target)])
    writer.rollback()
    writer.close()
    assert answer.exit_code == 0, answer.output
    assert f"schema {HEAD}, kontrollerad" in answer.output

    restored = tmp_path / "aterlast.db"  # restoring is copying the file back while the service is stopped
    restored.write_bytes(target.read_bytes())
    restored_url = f"sqlite:///{restored}"
    status = CliRunner().invoke(app, ["db", "status", "--db", restored_url])
    assert status.exit_code == 0 and "aktuellt" in status.output
    shown = CliRunner().invoke(app, ["show", "fagersta", "--db", restored_url])
    assert shown.exit_code == 0 and "Fagersta kommun" in shown.output

    def rows(url: str) -> tuple[int, int]:
        with Session(make_engine(url)) as session:
            return (
                session.exec(select(func.count()).select_from(Notification)).one(),
                session.exec(select(func.count()).select_from(TriggerOccurrence)).one(),
            )

    assert rows(restored_url) == rows(loaded)
    again = CliRunner().invoke(app, ["backup", "--db", loaded, "--out", str(target)])
    assert again.exit_code == 1 and "finns redan" in again.output


def test_postgresql_backup_prints_the_documented_commands() -> None:
    url = "postgresql+psycopg://samverkan:hemligt@db.kommun.example:5432/samverkan"
    answer = CliRunner().invoke(app, ["backup", "--db", url, "--out", "/srv/backup/s.dump"])
    assert answer.exit_code == 0
    assert answer.output.splitlines() == [
        "pg_dump --format=custom --no-owner --file=/srv/backup/s.dump "
        "--dbname=postgresql://samverkan@db.kommun.example:5432/samverkan",
        "# återläsning: pg_restore --clean --if-exists --no-owner "
        "--dbname=postgresql://samverkan@db.kommun.example:5432/samverkan /srv/backup/s.dump",
    ]
    assert "hemligt" not in answer.output


def test_deploy_errors_are_one_swedish_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    answer = subprocess.run(
        [str(SAMVERKAN), "deploy", "--work-pool", "samverkan"], capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 1
    assert answer.stderr.startswith("fel: Prefect-servern svarar inte") and len(answer.stderr.splitlines()) == 1


@contextmanager
def _pg_database(name: str) -> Iterator[str]:
    assert PG_URL is not None
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_URL).set(database=name, query={}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL (SAMVERKAN_TEST_DATABASE_URL)")
def test_a_postgresql_backup_with_pg_dump_restores_with_pg_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samverkan.core.settings import get_settings

    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(tmp_path / "data"))  # absolute, as production requires
    get_settings.cache_clear()

    suffix = uuid.uuid4().hex[:10]
    try:
        _backup_and_restore(tmp_path, suffix)
    finally:
        get_settings.cache_clear()


def _backup_and_restore(tmp_path: Path, suffix: str) -> None:
    from samverkan.services.backup import pg_restore_command

    with _pg_database(f"backup_{suffix}") as source, _pg_database(f"restore_{suffix}") as restored:
        runner = CliRunner()
        assert runner.invoke(app, ["load", str(EXAMPLES / "fagersta.yaml"), "--db", source]).exit_code == 0
        swept = runner.invoke(app, ["sweep", "--db", source, "--now", "2027-02-05T06:30"])
        assert swept.exit_code == 0, swept.output
        dump = tmp_path / "samverkan.dump"
        answer = runner.invoke(app, ["backup", "--db", source, "--out", str(dump), "--run"])
        assert answer.exit_code == 0, answer.output
        assert dump.stat().st_size > 0 and "pg_restore --clean --if-exists" in answer.output
        done = subprocess.run(pg_restore_command(restored, dump), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        status = runner.invoke(app, ["db", "status", "--db", restored])
        assert status.exit_code == 0 and "aktuellt" in status.output

        def rows(url: str) -> tuple[int, int]:
            engine = make_engine(url)
            try:
                with Session(engine) as session:
                    return (
                        session.exec(select(func.count()).select_from(Notification)).one(),
                        session.exec(select(func.count()).select_from(TriggerOccurrence)).one(),
                    )
            finally:
                engine.dispose()

        assert rows(restored) == rows(source) and rows(source)[0] > 0
