"""SIGTERM (or Ctrl-C) to `samverkan run` and to `make run` stops the web app, the schedules' child and the local
Prefect server, with no process left; a foreign process on the Prefect port is refused, never attached to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samverkan.cli.processes import alive, descendants, port_answers
from tests.conftest import EXAMPLES
from tests.receivers import free_port

# the module's shared fixture is built once: its tests stay in one test process (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("test_shutdown")

ROOT = Path(__file__).resolve().parent.parent
SAMVERKAN = Path(sys.executable).parent / "samverkan"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the module's runs: the local Prefect server's SQLite database is created once
    (about 30 s) and only reopened by the later runs (a few seconds)."""
    return tmp_path_factory.mktemp("var")


def _env(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SAMVERKAN_"))}
    env.update(
        SAMVERKAN_DATA_DIR=str(data_dir),
        SAMVERKAN_DATABASE_URL=f"sqlite:///{tmp_path / 'samverkan.db'}",
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        DO_NOT_TRACK="1",
    )
    return env


def _wait_for(condition: object, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert process.poll() is None, f"avslutades med kod {process.returncode}"
        assert time.monotonic() < deadline, "startade inte i tid"
        time.sleep(0.5)


def _all_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.parametrize(
    ("via", "stop"),
    [("samverkan run", "SIGTERM"), ("samverkan run", "Ctrl-C"), ("make run", "SIGTERM")],
)
def test_stopping_leaves_no_process(via: str, stop: str, tmp_path: Path, data_dir: Path) -> None:
    web, prefect = free_port(), free_port()
    if via == "make run":
        command = [
            "make",
            "--no-print-directory",
            "run",
            f"PORT={web}",
            f"PREFECT_PORT={prefect}",
            f"DB_URL=sqlite:///{tmp_path / 'samverkan.db'}",
            f"EXAMPLE={EXAMPLES / 'fagersta.yaml'}",
        ]
    else:
        command = [str(SAMVERKAN), "run", "--port", str(web), "--prefect-port", str(prefect)]
        command.append(str(EXAMPLES / "fagersta.yaml"))
    process = _start(command, _env(tmp_path, data_dir))
    try:
        # up means: the web app answers and the schedules' Prefect server answers on its port
        _wait_for(lambda: port_answers(web) and port_answers(prefect), 240, process)
        tree = descendants(process.pid)
        assert len(tree) >= 2  # (make →) samverkan run → samverkan serve → prefect server
        if stop == "Ctrl-C":  # the terminal sends SIGINT to the whole foreground process group
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        assert _all_gone(tree, 30) == []
        assert not port_answers(web) and not port_answers(prefect)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in descendants(process.pid):
            os.kill(pid, signal.SIGKILL)


def test_a_foreign_process_on_the_prefect_port_is_refused(tmp_path: Path, data_dir: Path) -> None:
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        port = foreign.getsockname()[1]
        answer = subprocess.run(
            [str(SAMVERKAN), "run", "--port", str(free_port()), "--prefect-port", str(port)],
            cwd=ROOT,
            env=_env(tmp_path, data_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert answer.returncode == 1
    assert f"port {port} används redan av en annan process" in answer.stderr
    assert "Traceback" not in answer.stderr
