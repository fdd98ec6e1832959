"""`samverkan run`: the whole service on the embedded default. The database is created or upgraded, the
example is loaded, a demo login is made (and printed), the web app serves on 127.0.0.1:8000 and the Prefect
schedules run beside it. Ctrl-C or SIGTERM stops all of it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.cli.classes import Failure
from samverkan.cli.processes import port_answers, sigterm_raises, stop_tree
from samverkan.cli.serve import foreign_port_message
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import today_local
from samverkan.database import make_engine, session_scope, upgrade
from samverkan.orgconfig.validate import ValidationResult

if TYPE_CHECKING:
    from sqlmodel import Session

    from samverkan.models import Organisation, Person

DEMO_FILE = "demo-inloggning.txt"
DEMO_DATABASE_FILE = "demo-databas.txt"  # which database `run` created itself: only there are demo passwords set
SERVE = "from samverkan.cli.main import app; app()"  # not -m: cli.main would be imported twice


@dataclass
class CountyKommun:
    """A kommun of a länsstyrelse's county, loaded from its own file beside the länsstyrelse's."""

    name: str
    cycle_started: bool
    coordinators: list[tuple[str, str, str]]  # (role, name, e-mail) of today's samordnare and kommunpolis


@dataclass
class DemoLogin:
    organisation: str
    organisation_name: str
    email: str
    name: str
    password: str | None  # None: the database is not the one `run` created, nobody's password was touched
    others: list[tuple[str, str]]  # (name and role, e-mail) of people who can log in with the same password
    cycle_started: bool
    by_role: list[tuple[str, str, str]] = field(default_factory=list)  # (role, name, e-mail): whom to log in as
    runs_cycle: bool = True  # False: a länsstyrelse, whose county's kommuner run the cycles
    county: list[CountyKommun] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # keys of county kommuner with no file beside the county's


def demo_password(data_dir: Path) -> str:
    """One random demo password per installation, kept in the data folder (readable by its owner only)."""
    path = data_dir / DEMO_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    password = "demo-" + secrets.token_urlsafe(12)
    _write_private(path, password + "\n")
    return password


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def database_identity(engine: Engine) -> str:
    """The database's address, and for a SQLite file its inode: a file deleted and made anew by others differs."""
    url = engine.url.render_as_string(hide_password=True)
    path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and Path(path).is_file():
        return f"{url} inode={Path(path).stat().st_ino}"
    return url


def is_empty(engine: Engine) -> bool:
    """No tables at all: asked before the schema is made, it tells whether `run` is creating the database."""
    return not inspect(engine).get_table_names()


def record_created(engine: Engine, data_dir: Path) -> None:
    """`run` made this database (it was empty before `upgrade`): recorded in the data folder beside it."""
    _write_private(data_dir / DEMO_DATABASE_FILE, database_identity(engine) + "\n")


def created_by_run(engine: Engine, data_dir: Path) -> bool:
    """Whether `run` created this database itself (see record_created)."""
    marker = data_dir / DEMO_DATABASE_FILE
    return marker.is_file() and marker.read_text(encoding="utf-8").strip() == database_identity(engine)


def _kommun_file(folder: Path, key: str, beside: Path) -> ValidationResult | None:
    """The file in `folder` that describes the organisation `key`: `<key>.yaml` (or .yml), else any YAML file
    there whose organisation has that key. None when there is none."""
    from samverkan.orgconfig.validate import validate_file

    named = [folder / f"{key}.yaml", folder / f"{key}.yml"]
    others = sorted(p for p in (*folder.glob("*.yaml"), *folder.glob("*.yml")) if p not in named and p != beside)
    for path in [p for p in named if p.is_file()] + others:
        result = validate_file(path)
        if result.config is not None and result.config.organisation.key == key:
            return result
        if result.config is None and path in named:
            return result  # named for the kommun but unreadable: its errors are shown, not passed over
    return None


def county_files(main: ValidationResult, config: Path) -> tuple[list[ValidationResult], list[str]]:
    """A länsstyrelse's file names its county's kommuner by key; their files, found beside it, and the keys
    with no file there. Nothing for an organisation without a county."""
    county = main.config.county if main.config is not None else None
    if county is None:
        return [], []
    found: list[ValidationResult] = []
    missing: list[str] = []
    for key in county.kommuner:
        result = _kommun_file(config.parent, key, config)
        if result is None:
            missing.append(key)
        else:
            found.append(result)
    return found, missing


def _refuse_invalid(results: list[ValidationResult]) -> None:
    bad = [result for result in results if not result.ok]
    if bad:
        lines = [str(issue) for result in bad for issue in result.issues]
        names = ", ".join(result.file for result in bad)
        raise Failure("\n".join([*lines, f"{names} går inte att läsa in: rätta felen ovan. Inget är inläst."]))


def _coordinators(session: Session, organisation: Organisation, today: date) -> list[tuple[str, Person]]:
    """Who holds a coordinating role in the organisation today, with the role's name."""
    from samverkan.services.access import COORDINATING, holders, roles_with_function

    return [
        (role.name, person)
        for function in COORDINATING
        for role in roles_with_function(session, organisation, function)
        for person in holders(session, role, today)
    ]


def _start_first(session: Session, organisation: Organisation, today: date) -> bool:
    """Start the organisation's first cycle, as its coordinator, if it runs cycles and has none yet."""
    from samverkan.models import Cycle
    from samverkan.process.owners import runs_cycle
    from samverkan.services import cycle
    from samverkan.services.actor import Actor

    if not runs_cycle(organisation.kind):
        return False
    if session.exec(select(Cycle).where(Cycle.organisation_id == organisation.id)).first() is not None:
        return False
    driving = _coordinators(session, organisation, today)
    if not driving:
        raise Failure(f"{organisation.name} har ingen samordnare eller kommunpolis i dag som kan starta cykeln")
    cycle.start_cycle(session, Actor(organisation.key, driving[0][1].email, today))
    return True


def _people_with_demo_passwords(session: Session, password: str | None, today: date) -> list[Person]:
    """Everyone holding a role today, by name; with `password`, the database is marked a demo and each of them
    without a password gets it (a password once set is never reset)."""
    from samverkan.models import Account, Person, Purpose, RoleAssignment
    from samverkan.services import accounts
    from samverkan.services.installation import mark

    people = session.exec(
        select(Person)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)  # type: ignore[arg-type]
        .where(RoleAssignment.held_on(today))
        .distinct()
        .order_by(Person.name)
    ).all()
    if password is not None:
        mark(session, Purpose.DEMO, "samverkan run", created_here=True)  # --as and --date work here
        for person in people:
            account = session.exec(select(Account).where(Account.person_id == person.id)).first()
            if account is None or account.password_hash is None:
                accounts.set_password(session, person, password)
    return list(people)


def prepare_demo(engine: Engine, config: Path, data_dir: Path) -> DemoLogin:
    """Load the example, give its people the demo password, and start the first cycle if none runs.

    For a länsstyrelse's file, the kommuner its county lists are loaded too from their files beside it (the
    keys with no file there are reported), and each of them that runs a cycle starts its first; the
    länsstyrelse itself runs none (process/owners.py). All in one transaction: a refusal leaves nothing.

    Demo passwords only in a database `run` created itself, and only to people who have no password yet: a
    second `run` resets nobody's password, and a database made otherwise (production) is never touched."""
    from samverkan.orgconfig.loader import load_config
    from samverkan.orgconfig.validate import validate_file
    from samverkan.process.owners import runs_cycle
    from samverkan.services.logins import login_suggestions
    from samverkan.services.overview import find_organisation

    result = validate_file(config)
    _refuse_invalid([result])
    kommun_results, missing = county_files(result, config)
    _refuse_invalid(kommun_results)
    password = demo_password(data_dir) if created_by_run(engine, data_dir) else None
    today = today_local()
    with session_scope(engine) as session:
        report = load_config(session, result)
        kommun_keys = [load_config(session, other).organisation_key for other in kommun_results]
        organisation = find_organisation(session, report.organisation_key)
        people = _people_with_demo_passwords(session, password, today)
        leading = _coordinators(session, organisation, today)
        if not leading:
            raise Failure(f"{organisation.name} har ingen i dag med en samordnande roll att logga in som")
        main = leading[0][1]
        started = _start_first(session, organisation, today)
        county = []
        for key in kommun_keys:
            kommun = find_organisation(session, key)
            kommun_started = _start_first(session, kommun, today)
            logins = [(role, p.name, p.email) for role, p in _coordinators(session, kommun, today)]
            county.append(CountyKommun(kommun.name, kommun_started, logins))
        others = [(f"{p.name}", p.email) for p in people if p.id != main.id][:4]
        by_role = [(s.what, s.name, s.email) for s in login_suggestions(session, organisation, today)]
        return DemoLogin(
            organisation.key,
            organisation.name,
            main.email,
            main.name,
            password,
            others,
            started,
            by_role,
            runs_cycle(organisation.kind),
            county,
            missing,
        )


def _print_organisations(login: DemoLogin, config: Path) -> None:
    """The organisation loaded, and for a länsstyrelse its county's kommuner and which files were missing."""
    if not login.runs_cycle:
        click.echo(f"Organisation: {login.organisation_name} (driver ingen egen cykel: länets kommuner gör det)")
    else:
        click.echo(f"Organisation: {login.organisation_name}" + (" (cykel 1 startad)" if login.cycle_started else ""))
    for kommun in login.county:
        click.echo(f"  Länets kommun: {kommun.name}" + (" (cykel 1 startad)" if kommun.cycle_started else ""))
    if login.missing:
        keys, files = ", ".join(login.missing), ", ".join(f"{key}.yaml" for key in login.missing)
        click.echo(f"  Saknas: länets kommuner {keys} har ingen fil i {config.parent} ({files}) och är inte inlästa")


def _print_logins(login: DemoLogin, kept_in: Path) -> None:
    """Whom to log in as for each role (and in each kommun of a länsstyrelse's county), and the demo password
    they share."""
    click.echo("  Logga in som:")
    for what, name, email in login.by_role or [("samordnare", login.name, login.email)]:
        click.echo(f"    {what}: {name} <{email}>")
    for kommun in login.county:
        for what, name, email in kommun.coordinators:
            click.echo(f"    {what}, {kommun.name}: {name} <{email}>")
    if login.password:
        click.echo(f"  Lösenord för alla: {login.password}   (sparat i {kept_in})")


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
    from samverkan.web.proxies import uvicorn_proxy_options

    for taken in (port, prefect_port) if schedules else (port,):
        if port_answers(taken, host if taken == port else "127.0.0.1"):
            raise Failure(foreign_port_message(taken))
    os.environ.setdefault("SAMVERKAN_BASE_URL", f"http://{host}:{port}")
    get_settings.cache_clear()
    settings = get_settings()
    engine = make_engine(settings.database_url)
    creating = is_empty(engine)
    upgrade(engine)  # the embedded default is ours to upgrade
    if creating:
        record_created(engine, Path(settings.data_dir))
    login = prepare_demo(engine, config, Path(settings.data_dir))
    click.echo(f"Databas: {settings.database_url}")
    _print_organisations(login, config)
    click.echo("")
    click.echo(f"Samverkan: http://{host}:{port}")
    _print_logins(login, Path(settings.data_dir) / DEMO_FILE)
    if not login.password:
        click.echo("  Databasen skapades inte av samverkan run: inga demolösenord sätts, logga in med ditt eget.")
    click.echo("Avsluta med Ctrl-C.")
    click.echo("")
    child = start_schedules(prefect_port) if schedules else None
    try:
        with sigterm_raises():  # uvicorn re-raises SIGTERM after its shutdown: it must reach the finally below
            app = create_app(settings, engine)
            uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, **uvicorn_proxy_options())
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C or SIGTERM must not orphan the schedules
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if child is not None:
            click.echo("Stoppar schemana …")
            stop_tree(child)
        click.echo("Samverkan är stoppad.")
