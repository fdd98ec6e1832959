"""`samverkan run`: the whole service on the embedded default. The database is created or upgraded, the
example is loaded, a demo login is made (and printed), the web app serves on 127.0.0.1:8000 and the Prefect
schedules run beside it. Ctrl-C or SIGTERM stops all of it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.cli.processes import port_answers, sigterm_raises, stop_tree
from samverkan.cli.serve import foreign_port_message
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import today_local
from samverkan.database import make_engine, session_scope, upgrade

DEMO_FILE = "demo-inloggning.txt"
SERVE = "from samverkan.cli.main import app; app()"  # not -m: cli.main would be imported twice


@dataclass
class DemoLogin:
    organisation: str
    organisation_name: str
    email: str
    name: str
    password: str
    others: list[tuple[str, str]]  # (name and role, e-mail) of people who can log in with the same password
    cycle_started: bool


def demo_password(data_dir: Path) -> str:
    """One random demo password per installation, kept in the data folder (readable by its owner only)."""
    path = data_dir / DEMO_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def prepare_demo(engine: Engine, config: Path, data_dir: Path) -> DemoLogin:
    """Load the example, give its people the demo password, and start the first cycle if none runs."""
    from samverkan.models import Cycle, Person, RoleAssignment
    from samverkan.orgconfig.loader import load_config
    from samverkan.orgconfig.validate import validate_file
    from samverkan.services import accounts, cycle
    from samverkan.services.access import COORDINATING, holders, roles_with_function
    from samverkan.services.actor import Actor
    from samverkan.services.overview import find_organisation

    result = validate_file(config)
    if not result.ok:
        raise click.ClickException("\n".join(str(issue) for issue in result.issues))
    password = demo_password(data_dir)
    today = today_local()
    with session_scope(engine) as session:
        report = load_config(session, result)
        organisation = find_organisation(session, report.organisation_key)
        coordinators = [r for f in COORDINATING for r in roles_with_function(session, organisation, f)]
        people = session.exec(
            select(Person)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)  # type: ignore[arg-type]
            .where(RoleAssignment.held_on(today))
            .distinct()
            .order_by(Person.name)
        ).all()
        for person in people:
            if not accounts.password_matches(session, person, password):
                accounts.set_password(session, person, password)
        main = next(p for role in coordinators for p in holders(session, role, today))
        started = False
        if session.exec(select(Cycle).where(Cycle.organisation_id == organisation.id)).first() is None:
            cycle.start_cycle(session, Actor(organisation.key, main.email, today))
            started = True
        others = [(f"{p.name}", p.email) for p in people if p.id != main.id][:4]
        return DemoLogin(organisation.key, organisation.name, main.email, main.name, password, others, started)


def start_schedules(prefect_port: int) -> subprocess.Popen[bytes]:
    """`samverkan serve` in a child process: its Prefect server takes 20 s to start, the web app does not wait."""
    log = Path(get_settings().data_dir) / "prefect-serve.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--prefect-port", str(prefect_port)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # we stop it ourselves, after the web app: SIGINT, then SIGKILL to what is left
    )


def run_service(config: Path, host: str, port: int, prefect_port: int, schedules: bool) -> None:
    import uvicorn

    from samverkan.web.app import create_app

    for taken in (port, prefect_port) if schedules else (port,):
        if port_answers(taken, host if taken == port else "127.0.0.1"):
            raise click.ClickException(foreign_port_message(taken))
    os.environ.setdefault("SAMVERKAN_BASE_URL", f"http://{host}:{port}")
    get_settings.cache_clear()
    settings = get_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)  # the embedded default is ours to upgrade
    login = prepare_demo(engine, config, Path(settings.data_dir))
    click.echo(f"Databas: {settings.database_url}")
    click.echo(f"Organisation: {login.organisation_name}" + (" (cykel 1 startad)" if login.cycle_started else ""))
    click.echo("")
    click.echo(f"Samverkan: http://{host}:{port}")
    click.echo(f"  Logga in som {login.name}: {login.email}")
    click.echo(f"  Lösenord: {login.password}   (sparat i {Path(settings.data_dir) / DEMO_FILE})")
    click.echo("  Samma lösenord gäller för exemplets övriga personer, t.ex. " + ", ".join(e for _n, e in login.others))
    click.echo("Avsluta med Ctrl-C.")
    click.echo("")
    child = start_schedules(prefect_port) if schedules else None
    try:
        with sigterm_raises():  # uvicorn re-raises SIGTERM after its shutdown: it must reach the finally below
            uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="warning", access_log=False)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C or SIGTERM must not orphan the schedules
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if child is not None:
            click.echo("Stoppar schemana …")
            stop_tree(child)
        click.echo("Samverkan är stoppad.")
