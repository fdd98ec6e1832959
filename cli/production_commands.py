"""Commands for the IT department that runs Samverkan: the production web server, the first logins, the sweep
by hand, and backups. (Registered on `samverkan` from cli/main.py.)"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from samverkan.cli.database import open_database
from samverkan.cli.logs import uvicorn_log_config
from samverkan.cli.main import Failure, db_option, db_url_or_default, json_option, parse_date, print_json
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM
from samverkan.services.errors import ServiceError


def parse_moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """ÅÅÅÅ-MM-DD or ÅÅÅÅ-MM-DDTHH:MM; without an offset it is Stockholm time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' är ingen tidpunkt (ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)


def _operator() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def register(app: click.Group) -> None:
    register_sweep(app)
    register_web(app)
    register_users(app)
    register_backup(app)


def register_sweep(app: click.Group) -> None:
    @app.command("sweep")
    @click.option("--now", "now", callback=parse_moment, metavar="TIDPUNKT", help="Svep som vid denna tidpunkt.")
    @click.option(
        "--from", "from_day", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Ta igen allt som förföll från denna dag."
    )
    @click.option("--org", "org_keys", multiple=True, metavar="ORGANISATION", help="Bara dessa organisationer.")
    @db_option
    @json_option
    def sweep_command(
        now: datetime | None, from_day: date | None, org_keys: tuple[str, ...], db_url: str | None, as_json: bool
    ) -> None:
        """Lägg allt som förfallit i utkorgen, från dagen efter det senaste fullbordade svepet (eller --from).

        Samma svep som de schemalagda flödena gör; att köra det två gånger gör ingenting två gånger."""
        from samverkan.database import session_scope
        from samverkan.services.catchup import catch_up

        try:
            url = db_url_or_default(db_url)
            documents = get_settings().production_data_dir(url) / "handlingar"
            engine = open_database(url)
            with session_scope(engine) as session:
                done = catch_up(
                    session, now, org_keys=list(org_keys) or None, from_day=from_day, documents_dir=documents
                )
        except (ServiceError, ValueError) as exc:
            raise Failure(str(exc)) from None
        if as_json:
            print_json(done.to_dict())
            return
        result = done.to_dict()
        click.echo(
            f"Svepte {done.first_day}–{done.last_day} ({done.scope}): {result['notifications_total']} meddelanden, "
            f"{len(result['packets'])} dokument, {result['already_done']} redan gjorda"
        )
        for warning in done.warnings:
            click.echo(f"varning: {warning}", err=True)
        for error in result["errors"]:
            click.echo(f"varning: {error}", err=True)


def register_web(app: click.Group) -> None:
    @app.command("web")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Adress som webben lyssnar på.")
    @click.option("--port", default=8000, show_default=True, help="Port.")
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Antal processer.")
    @click.option(
        "--forwarded-allow-ips",
        envvar="FORWARDED_ALLOW_IPS",
        default="127.0.0.1",
        show_default=True,
        metavar="IP,...",
        help="Omvända proxyer vars X-Forwarded-For/-Proto litas på ('*' = alla).",
    )
    @click.option("--root-path", default="", metavar="SÖKVÄG", help="Om proxyn publicerar webben under en sökväg.")
    @click.option(
        "--log-format",
        envvar="SAMVERKAN_LOG_FORMAT",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Loggar som text eller som en JSON-rad per händelse.",
    )
    @db_option
    def web_command(
        host: str,
        port: int,
        workers: int,
        forwarded_allow_ips: str,
        root_path: str,
        log_format: str,
        db_url: str | None,
    ) -> None:
        """Webben i drift: inga demokonton, schemat måste vara aktuellt (samverkan db upgrade).

        Stoppas med SIGTERM eller Ctrl-C. Den första samordnarens inloggning: samverkan user add/invite."""
        import uvicorn

        os.environ["SAMVERKAN_DATABASE_URL"] = _ready_for_production(db_url_or_default(db_url))
        uvicorn.run(  # the workers' processes build their app from the environment
            "samverkan.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            root_path=root_path,
            log_config=uvicorn_log_config(log_format == "json"),
            server_header=False,
        )


def _ready_for_production(url: str) -> str:
    """The database answers with the program's schema and the data folder is absolute; else a Failure."""
    from samverkan.database import current_revision, head_revision, make_engine

    settings = get_settings()
    try:
        settings.production_data_dir(url)
        current = current_revision(make_engine(url))
    except ValueError as exc:
        raise Failure(str(exc)) from None
    except Exception as exc:
        raise Failure(f"databasen svarar inte: {str(exc).splitlines()[0][:200]}") from None
    if current != head_revision():
        raise Failure(
            f"databasens schema är {current or 'tomt'}, programmet kräver {head_revision()}; kör 'samverkan db upgrade'"
        )
    if "SAMVERKAN_BASE_URL" not in os.environ:
        click.echo(f"varning: SAMVERKAN_BASE_URL saknas; länkar i meddelanden pekar på {settings.base_url}", err=True)
    return url


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = click.prompt("Lösenord", hide_input=True)
    if click.prompt("Samma lösenord igen", hide_input=True) != first:
        raise Failure("lösenorden är inte lika")
    return str(first)


def register_users(app: click.Group) -> None:
    @app.group("user")
    def user() -> None:
        """Inloggningar från kommandoraden: den första samordnaren (sedan bjuder samordnare in i webben)."""

    @user.command("add")
    @click.argument("email", metavar="E-POST")
    @click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in (för skript).")
    @db_option
    def user_add(email: str, password_stdin: bool, db_url: str | None) -> None:
        """Ge en person ur organisationsfilen ett lösenord (minst 12 tecken)."""
        from samverkan.database import session_scope
        from samverkan.services.operator import add_user

        password = _password(password_stdin)
        try:
            with session_scope(open_database(db_url_or_default(db_url))) as session:
                person = add_user(session, email, password, _operator())
        except ServiceError as exc:
            raise Failure(str(exc)) from None
        click.echo(f"{person.name} ({person.email}) kan nu logga in.")

    @user.command("invite")
    @click.argument("email", metavar="E-POST")
    @db_option
    @json_option
    def user_invite(email: str, db_url: str | None, as_json: bool) -> None:
        """Skapa en inbjudningslänk (gäller en gång, i 7 dagar) som personen väljer sitt lösenord med.

        Länken skrivs ut, inte skickad: lämna den till personen. Adressen kommer från SAMVERKAN_BASE_URL."""
        from samverkan.database import session_scope
        from samverkan.services.operator import invite_user

        try:
            with session_scope(open_database(db_url_or_default(db_url))) as session:
                invitation = invite_user(session, email, _operator())
        except ServiceError as exc:
            raise Failure(str(exc)) from None
        data: dict[str, Any] = {
            "person": invitation.person.email,
            "link": invitation.link,
            "expires_at": invitation.expires_at.astimezone(STOCKHOLM).isoformat(),
        }
        if as_json:
            print_json(data)
        else:
            click.echo(f"Inbjudan till {invitation.person.name}, gäller till {data['expires_at'][:10]}:")
            click.echo(invitation.link)


def register_backup(app: click.Group) -> None:
    @app.command("backup")
    @click.option("--out", "target", type=click.Path(path_type=Path), metavar="FIL", help="Säkerhetskopians fil.")
    @click.option("--run", "run_pg_dump", is_flag=True, help="PostgreSQL: kör pg_dump (annars skrivs kommandot ut).")
    @db_option
    def backup_command(target: Path | None, run_pg_dump: bool, db_url: str | None) -> None:
        """Säkerhetskopiera databasen medan tjänsten kör.

        SQLite: en konsekvent kopia (SQLites backup-API), kontrollerad. PostgreSQL: pg_dump --format=custom;
        återläs med pg_restore (kommandot skrivs ut)."""
        import sqlalchemy as sa

        from samverkan.services import backup

        url = db_url_or_default(db_url)
        backend = sa.make_url(url).get_backend_name()
        target = target or backup.default_target(Path(get_settings().data_dir) / "sakerhetskopior", backend)
        try:
            if backend == "sqlite":
                done = backup.backup_sqlite(url, target)
                click.echo(f"Säkerhetskopia: {done.path} ({done.size} byte, schema {done.schema}, kontrollerad)")
                return
            if not run_pg_dump:
                click.echo(" ".join(backup.pg_dump_command(url, target)))
                click.echo("# återläsning: " + " ".join(backup.pg_restore_command(url, target)))
                return
            done = backup.run_pg_dump(url, target)
        except ServiceError as exc:
            raise Failure(str(exc)) from None
        click.echo(f"Säkerhetskopia: {done.path} ({done.size} byte)")
        click.echo("Återläsning: " + " ".join(backup.pg_restore_command(url, target)))
