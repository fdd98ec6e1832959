"""`samverkan serve`: the schedules running. On the embedded default a local Prefect server (SQLite under
var/prefect) is started first, because Prefect will not schedule on its ephemeral server. With PREFECT_API_URL
set, serve refuses a server that holds `samverkan deploy`'s deployments (production): serving there would
rewrite them, and stopping would pause them and delete their scheduled runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from samverkan.cli.processes import port_answers, sigterm_raises, stop_tree
from samverkan.core.settings import get_settings

QUIET_PREFECT = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def foreign_port_message(port: int) -> str:
    return (
        f"port {port} används redan av en annan process; Samverkan ansluter inte till en Prefect-server den inte "
        f"har startat. Välj en annan port (--prefect-port, make run PREFECT_PORT=…) eller stoppa processen"
    )


@contextmanager
def local_prefect_server(port: int, timeout: float = 180.0) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:port with its home under the data folder; stop it after.
    Refuses when something already answers on the port (never attach to a process we did not start)."""
    if port_answers(port):
        raise click.ClickException(foreign_port_message(port))
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
        stop_tree(server, timeout=20)
        log.close()


def refuse_production_server(url: str) -> None:
    """Serving against a server with work-pool deployments of ours would take production over: refuse."""
    from samverkan.flows.deployments import registered_with_work_pool

    try:
        registered = registered_with_work_pool()
    except Exception as exc:
        raise click.ClickException(f"Prefect-servern {url} svarar inte ({str(exc).splitlines()[0][:200]})") from None
    if registered:
        raise click.ClickException(
            f"Prefect-servern {url} har redan driftsättningar från 'samverkan deploy' ({', '.join(registered)}); "
            "'samverkan serve' skulle skriva över dem och pausa dem när den stoppas. Kör arbetare "
            "(prefect worker start) mot den servern i stället, eller ta bort PREFECT_API_URL för en lokal server"
        )


def serve_schedules(port: int) -> None:
    """Serve the deployments until SIGINT or SIGTERM; a local server started here is stopped after."""
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
        refuse_production_server(external)
        run(external)
        return
    click.echo("Startar lokal Prefect-server (första gången tar det upp till en halv minut) …")
    with sigterm_raises(), local_prefect_server(port) as url:
        run(url)
