"""Running the service: `run` (everything on the embedded default), `serve` (the schedules) and `deploy`
(registering the flows with a production Prefect server).

Imports inside a command are there for speed only: `samverkan --help` should not load Prefect or uvicorn."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from samverkan.cli.options import Command, Failure, refusal_as_failure

EXAMPLE = "examples/fagersta.yaml"


@click.command("run", cls=Command)
@click.argument("config", type=click.Path(path_type=Path), metavar="FIL", default=EXAMPLE)
@click.option("--host", default="127.0.0.1", show_default=True, help="Adress som webben lyssnar på.")
@click.option("--port", default=8000, show_default=True, help="Port för webben.")
@click.option("--prefect-port", default=4200, show_default=True, help="Port för den lokala Prefect-servern.")
@click.option("--utan-scheman", "no_schedules", is_flag=True, help="Kör bara webben, inte Prefect-schemana.")
def run_command(config: Path, host: str, port: int, prefect_port: int, no_schedules: bool) -> None:
    """Demo: databas, exemplet i FIL, demoinloggning, webben och schemana. Avsluta med Ctrl-C eller SIGTERM.

    I drift: samverkan web, Prefect-arbetare och samverkan deploy (se README)."""
    from samverkan.cli.processes import Terminated
    from samverkan.cli.run import run_service

    # uvicorn has stopped, run_service stopped the rest; a refusal (a start the service layer refuses, an
    # organisation not found) is 'fel: …' with exit code 1, never a traceback, and nothing of it is written
    with contextlib.suppress(KeyboardInterrupt, Terminated), refusal_as_failure():
        run_service(config, host, port, prefect_port, schedules=not no_schedules)


@click.command("serve", cls=Command)
@click.option("--prefect-port", default=4200, show_default=True, help="Port för den lokala Prefect-servern.")
def serve_command(prefect_port: int) -> None:
    """Kör schemana: det dagliga svepet (alla utlösare) och leveransen. Avsluta med Ctrl-C."""
    from samverkan.cli.serve import serve_schedules

    try:
        serve_schedules(prefect_port)
    except KeyboardInterrupt:
        click.echo("Avslutat.")


@click.command("deploy", cls=Command)
@click.option("--work-pool", required=True, help="Prefect-arbetspoolen som arbetarna hämtar körningar från.")
def deploy_command(work_pool: str) -> None:
    """Produktion: registrera flödena med scheman hos Prefect-servern (PREFECT_API_URL) och en arbetspool,
    och automationen som markerar döda körningar som kraschade. Arbetarna kör flödena från det installerade paketet."""
    if not os.environ.get("PREFECT_API_URL"):
        raise Failure("ange Prefect-serverns adress i PREFECT_API_URL, t.ex. http://127.0.0.1:4200/api")
    from samverkan.flows.deployments import DeployError, deploy_to_work_pool

    try:
        names = deploy_to_work_pool(work_pool)
    except DeployError as exc:
        raise Failure(str(exc)) from None
    for name in names:
        click.echo(f"registrerad: {name} (arbetspool {work_pool})")


COMMANDS = (run_command, serve_command, deploy_command)
