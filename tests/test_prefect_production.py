"""The production path of the README, end to end (issue 18's "done when"): a Prefect server on its own PostgreSQL
database, a process work pool, `samverkan deploy`, a worker started in another folder, a sweep deployment and
the delivery flow against a loopback SMTP server; the outbox rows, the documents and the delivered mails.
Every process and database it starts is removed again, also when it fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from samverkan.cli.processes import stop_tree
from samverkan.database import make_engine
from samverkan.models import Notification
from tests.conftest import EXAMPLES, PG_URL, pg_schema
from tests.receivers import SmtpServer, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL (SAMVERKAN_TEST_DATABASE_URL)"),
]

BIN = Path(sys.executable).parent
POOL = "samverkan-prov"
SWEPT_AT = "2027-02-05T06:00:00+01:00"  # the monthly EST report of Fagersta is due on the 5th
DELIVERED_AT = "2027-02-05T09:00:00+01:00"  # a Friday, a working day, after 08:00


@contextmanager
def prefect_database() -> Iterator[str]:
    assert PG_URL is not None
    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(drivername="postgresql+asyncpg", database=name, query={})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SAMVERKAN_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return env


def _start(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        command, env=env, cwd=cwd, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_healthy(api: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert server.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "Prefect-servern svarade inte"
        time.sleep(0.5)


def _run(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> str:
    cwd.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


RUN_DEPLOYMENT = (
    "import json, sys\n"
    "from prefect.deployments import run_deployment\n"
    "run = run_deployment(sys.argv[1], parameters=json.loads(sys.argv[2]), timeout=300)\n"
    "print(json.dumps({'state': run.state.type.value}))\n"
)


def test_deploy_a_worker_elsewhere_a_sweep_and_delivery(tmp_path: Path) -> None:
    smtp = SmtpServer()
    smtp.start()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with prefect_database() as prefect_db, pg_schema("it") as app_db:
            port = free_port()
            api = f"http://127.0.0.1:{port}/api"
            env = _base_env(tmp_path / "prefect-home")
            server = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
            server_env = env | {"PREFECT_API_DATABASE_CONNECTION_URL": prefect_db}
            processes.append(_start(server, server_env, tmp_path, tmp_path / "server.log"))
            client_env = env | {"PREFECT_API_URL": api}
            app_env = client_env | {
                "SAMVERKAN_DATABASE_URL": app_db,
                "SAMVERKAN_DATA_DIR": str(tmp_path / "delad"),
                "SAMVERKAN_SMTP_URL": smtp.url,
                "SAMVERKAN_BASE_URL": "https://samverkan.fagersta.example",
            }
            _run([str(BIN / "samverkan"), "load", str(EXAMPLES / "fagersta.yaml")], app_env, tmp_path)
            _wait_healthy(api, processes[0], tmp_path / "server.log")
            _deploy_and_refuse_serve(client_env, app_env, tmp_path)

            worker = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "2"]
            # the worker runs in another folder than the one deploy ran in
            processes.append(_start(worker, app_env, tmp_path / "b", tmp_path / "worker.log"))
            _run_deployment("samverkan-rapporter/rapporter", SWEPT_AT, client_env, tmp_path)
            _run_deployment("samverkan-leverans/leverans", DELIVERED_AT, client_env, tmp_path)

            _check_deployments(api)
            _check_outbox_documents_and_mails(app_db, tmp_path / "delad", smtp)
    finally:
        for process in reversed(processes):
            stop_tree(process, timeout=20)
        smtp.stop()


def _deploy_and_refuse_serve(client_env: dict[str, str], app_env: dict[str, str], tmp_path: Path) -> None:
    _run([str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process"], client_env, tmp_path)
    deployed = _run([str(BIN / "samverkan"), "deploy", "--work-pool", POOL], client_env, tmp_path / "a")
    assert "registrerad: samverkan-rapporter/rapporter" in deployed
    # the test runs each deployment itself: a scheduled hourly delivery run starting while it runs (the test
    # crossing a whole hour) would hold the delivery deployment's one slot until the hour's end
    _run([str(BIN / "prefect"), "--no-prompt", "deployment", "schedule", "pause", "--all"], client_env, tmp_path / "a")
    # serve must never take over a server with deploy's deployments
    refused = subprocess.run(
        [str(BIN / "samverkan"), "serve"], env=app_env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 1 and "har redan driftsättningar från 'samverkan deploy'" in refused.stderr


def _run_deployment(name: str, now: str, client_env: dict[str, str], tmp_path: Path) -> None:
    answer = _run([sys.executable, "-c", RUN_DEPLOYMENT, name, json.dumps({"now": now})], client_env, tmp_path)
    assert json.loads(answer)["state"] == "COMPLETED", (tmp_path / "worker.log").read_text()[-3000:]


def _filter(api: str, what: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{api}/{what}/filter", data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return list(json.load(answer))


def _check_deployments(api: str) -> None:
    deployments = {d["name"]: d for d in _filter(api, "deployments")}
    assert set(deployments) == {"daglig-svep", "motesforberedelse", "inriktningsbeslut", "rapporter", "leverans"}
    for deployment in deployments.values():
        assert deployment["entrypoint"].startswith("samverkan.flows.cycle_flows.")
        assert deployment["pull_steps"] in ([], None) and deployment["path"] is None  # no folder of the deployer
        assert deployment["work_pool_name"] == POOL
        limit = (deployment["global_concurrency_limit"] or {}).get("limit")
        assert limit == 1  # a sweep at a time; one delivery loop at a time
    (zombies,) = [a for a in _filter(api, "automations") if a["name"] == "samverkan-zombiekorningar"]
    assert zombies["trigger"]["posture"] == "Proactive" and zombies["actions"][0]["state"] == "CRASHED"


def _check_outbox_documents_and_mails(app_db: str, data_dir: Path, smtp: SmtpServer) -> None:
    engine = make_engine(app_db)
    try:
        with Session(engine) as session:
            rows = session.exec(select(Notification)).all()
    finally:
        engine.dispose()
    assert {row.kind for row in rows} == {"manadsrapport"} and len(rows) == 8
    assert {row.status for row in rows} == {"skickad"}
    (attachment,) = {a for row in rows for a in row.attachments}
    assert Path(attachment).is_file() and Path(attachment).is_relative_to(data_dir / "handlingar" / "fagersta")
    assert len(smtp.received) == 8
    for recipients, message in smtp.received:
        assert len(recipients) == 1 and message["X-Samverkan-Id"].startswith("fagersta:")
        assert "https://samverkan.fagersta.example" in SmtpServer.text(message)
