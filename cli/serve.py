"""`samverkan serve`: the schedules running. On the embedded default a local Prefect server (SQLite under
var/prefect) is started first, because Prefect will not schedule on its ephemeral server; with
PREFECT_API_URL set (production) that server is used as it is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from samverkan.core.settings import get_settings

QUIET_PREFECT = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            status: int = response.status
    except OSError:
        return False
    return status == 200


@contextmanager
def local_prefect_server(port: int, timeout: float = 180.0) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:port with its home under the data folder; stop it after."""
    home = Path(get_settings().data_dir) / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, **QUIET_PREFECT, "PREFECT_HOME": str(home.resolve()), "PREFECT_API_URL": url}
    log = (home / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if server.poll() is not None:
                raise click.ClickException(f"Prefect-servern avslutades (kod {server.returncode}); se {log.name}")
            if time.monotonic() > deadline:
                raise click.ClickException(f"Prefect-servern svarade inte inom {timeout:.0f} s; se {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        log.close()


def serve_schedules(port: int) -> None:
    from samverkan.flows.deployments import SCHEDULE

    def run(url: str) -> None:
        os.environ["PREFECT_API_URL"] = url
        os.environ.update(QUIET_PREFECT)
        from prefect import serve

        from samverkan.flows.deployments import deployments

        click.echo(
            f"Prefect: {url.removesuffix('/api')} – schemalagt (Europe/Stockholm): "
            + ", ".join(f"{name} {hhmm[:2]}:{hhmm[2:]}" for name, hhmm in SCHEDULE.items())
        )
        serve(*deployments(), limit=4, print_starting_message=False)

    external = os.environ.get("PREFECT_API_URL")
    if external:
        run(external)
        return
    click.echo("Startar lokal Prefect-server (första gången tar det upp till en halv minut) …")
    with local_prefect_server(port) as url:
        run(url)
