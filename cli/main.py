"""`samverkan`: the command line for coordinators and for the IT department that runs the service."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from samverkan.cli import swedish
from samverkan.cli.database import open_database
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import today_local
from samverkan.services.errors import ServiceError

if TYPE_CHECKING:
    from samverkan.orgconfig.loader import LoadReport

swedish.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Command(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    command_class = Command
    group_class = type  # subgroups are of this class too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENT]...")
        super().__init__(*args, **kwargs)


class Failure(click.ClickException):
    """An expected failure: printed as 'fel: ...' without a traceback, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"fel: {self.format_message()}", err=True)


def db_option(function: Any) -> Any:
    return click.option(
        "--db",
        "db_url",
        envvar="SAMVERKAN_DATABASE_URL",
        metavar="URL",
        help="Databasens adress (SQLAlchemy-URL); standard: SQLite-filen var/samverkan.db.",
    )(function)


def json_option(function: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Skriv ut JSON för skript.")(function)


def db_url_or_default(url: str | None) -> str:
    return url or get_settings().database_url


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' är inget datum (ÅÅÅÅ-MM-DD)") from None


@click.group(name="samverkan", cls=Group, context_settings=CONTEXT)
def app() -> None:
    """Samverkan – kommunens och polisens lokala brottsförebyggande arbete,
    från lägesbild och orsaksanalys till överenskommelse, genomförande och uppföljning."""


@app.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FIL...")
@json_option
def validate(files: tuple[Path, ...], as_json: bool) -> None:
    """Kontrollera organisationsfiler. Varje problem skrivs som FIL:RAD: vad som är fel."""
    from samverkan.orgconfig.validate import validate_file

    failed = False
    report = []
    for file in files:
        result = validate_file(file)
        failed = failed or not result.ok
        report.append(
            {
                "file": str(file),
                "ok": result.ok,
                "issues": [
                    {"line": i.line, "severity": i.severity, "message": i.message, "path": list(i.path)}
                    for i in result.issues
                ],
            }
        )
        if not as_json:
            for issue in result.issues:
                click.echo(str(issue), err=issue.severity == "fel")
            if result.ok:
                warnings = f" ({len(result.issues)} varningar)" if result.issues else ""
                click.echo(f"{file}: giltig{warnings}")
    if as_json:
        print_json(report)
    if failed:
        raise click.exceptions.Exit(1)


def _load(config: Path, db_url: str) -> LoadReport:
    from samverkan.database import session_scope
    from samverkan.orgconfig.loader import load_config
    from samverkan.orgconfig.validate import validate_file

    result = validate_file(config)
    if not result.ok:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        raise Failure(f"{config} läses inte in: rätta felen ovan")
    try:
        engine = open_database(db_url)
    except ServiceError as exc:
        raise Failure(str(exc)) from None
    with session_scope(engine) as session:
        return load_config(session, result)


@app.command()
@click.argument("config", type=click.Path(path_type=Path), metavar="FIL")
@db_option
@json_option
def load(config: Path, db_url: str | None, as_json: bool) -> None:
    """Läs in en organisationsfil i databasen.

    Samma fil igen ändrar ingenting; en ändrad fil ger just skillnaden, och varje ändring
    skrivs i loggen (vem, vad, när, före och efter)."""
    report = _load(config, db_url_or_default(db_url))
    if as_json:
        print_json({"organisation": report.organisation_key, "changes": [str(c) for c in report.changes]})
    elif report.unchanged:
        click.echo(f"{report.organisation_key}: inga ändringar")
    else:
        click.echo(f"{report.organisation_key}: {len(report.changes)} ändringar")
        for change in report.changes:
            click.echo(f"  {change}")


def _show(key: str, db_url: str, on: date, as_json: bool) -> None:
    from samverkan.database import session_scope
    from samverkan.services.overview import organisation_overview
    from samverkan.templates.rendering import render

    try:
        engine = open_database(db_url)
        with session_scope(engine) as session:
            overview = organisation_overview(session, key, on)
    except ServiceError as exc:
        raise Failure(str(exc)) from None
    if as_json:
        print_json(overview.to_dict())
    else:
        click.echo(render("cli/organisation.txt.j2", o=overview), nl=False)


@app.command()
@click.argument("organisation", metavar="ORGANISATION")
@click.option(
    "--date",
    "on",
    callback=parse_date,
    metavar="ÅÅÅÅ-MM-DD",
    help="Visa läget detta datum (standard: i dag).",
)
@db_option
@json_option
def show(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Visa en organisation: parter, organ, rollinnehavare, rytmer, indikatorer och var cykeln står.

    ORGANISATION är organisationens nyckel i filen, till exempel fagersta."""
    _show(organisation, db_url_or_default(db_url), on or today_local(), as_json)


@app.command()
@click.argument("config", type=click.Path(path_type=Path), metavar="FIL", default="examples/fagersta.yaml")
@db_option
def demo(config: Path, db_url: str | None) -> None:
    """Huvudjobbet på den inbyggda standarden (SQLite): skapa databasen, läs in FIL och visa organisationen."""
    url = db_url_or_default(db_url)
    report = _load(config, url)
    state = "inga ändringar" if report.unchanged else f"{len(report.changes)} ändringar"
    click.echo(f"Läste in {config} i {url} ({state}).\n")
    _show(report.organisation_key, url, today_local(), as_json=False)


@app.group(context_settings=CONTEXT)
def db() -> None:
    """Databasen: skapa och uppgradera schemat."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Uppgradera databasens schema till den senaste versionen."""
    from samverkan.database import current_revision, make_engine, upgrade

    engine = make_engine(db_url_or_default(db_url))
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    click.echo(f"schema: {before or 'tomt'} → {after}" if before != after else f"schema: {after} (redan senaste)")


@db.command("status")
@db_option
def db_status(db_url: str | None) -> None:
    """Visa databasens schemaversion; avslutar med kod 1 om den behöver uppgraderas."""
    from samverkan.database import current_revision, head_revision, make_engine

    current = current_revision(make_engine(db_url_or_default(db_url)))
    head = head_revision()
    state = "aktuellt" if current == head else "behöver uppgraderas"
    click.echo(f"schema: {current or 'tomt'}; programmet: {head} ({state})")
    if current != head:
        raise click.exceptions.Exit(1)


from samverkan.cli import cycle_commands  # noqa: E402  (registers the cycle commands on `app`)

cycle_commands.register(app)
cycle_commands.register_process(app)
cycle_commands.register_calendar(app)
cycle_commands.register_simulate(app)
cycle_commands.register_serve(app)
cycle_commands.register_deploy(app)
cycle_commands.register_notifications(app)
cycle_commands.register_followup(app)
cycle_commands.register_county(app)
cycle_commands.register_packets(app)

from samverkan.cli import production_commands  # noqa: E402  (sweep, web, user, backup)

production_commands.register(app)


@app.command("run")
@click.argument("config", type=click.Path(path_type=Path), metavar="FIL", default="examples/fagersta.yaml")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adress som webben lyssnar på.")
@click.option("--port", default=8000, show_default=True, help="Port för webben.")
@click.option("--prefect-port", default=4200, show_default=True, help="Port för den lokala Prefect-servern.")
@click.option("--utan-scheman", "no_schedules", is_flag=True, help="Kör bara webben, inte Prefect-schemana.")
def run_command(config: Path, host: str, port: int, prefect_port: int, no_schedules: bool) -> None:
    """Hela tjänsten: databas, exemplet i FIL, demoinloggning, webben och schemana. Avsluta med Ctrl-C."""
    import contextlib

    from samverkan.cli.processes import Terminated
    from samverkan.cli.run import run_service

    with contextlib.suppress(KeyboardInterrupt, Terminated):  # uvicorn has stopped, run_service stopped the rest
        run_service(config, host, port, prefect_port, schedules=not no_schedules)
