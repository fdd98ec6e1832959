"""`samverkan db`: create and upgrade the database schema."""

from __future__ import annotations

import click

from samverkan.cli.options import CONTEXT, Failure, Group, db_option, db_url_or_default, open_engine, os_user, run
from samverkan.database import current_revision, head_revision, make_engine, upgrade
from samverkan.database.migrate import MigrationRefused
from samverkan.models import Purpose
from samverkan.services.installation import PURPOSE_SV, mark, purpose_of


@click.group("db", cls=Group, context_settings=CONTEXT)
def db() -> None:
    """Databasen: skapa och uppgradera schemat."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Uppgradera databasens schema till den senaste versionen."""
    engine = make_engine(db_url_or_default(db_url))
    before = current_revision(engine)
    try:
        upgrade(engine)
    except MigrationRefused as refused:  # the data is in the way: 'fel: …' naming it, never a traceback
        raise Failure(str(refused)) from None
    after = current_revision(engine)
    click.echo(f"schema: {before or 'tomt'} → {after}" if before != after else f"schema: {after} (redan senaste)")


@db.command("status")
@db_option
def db_status(db_url: str | None) -> None:
    """Visa databasens schemaversion; avslutar med kod 1 om den behöver uppgraderas."""
    current = current_revision(make_engine(db_url_or_default(db_url)))
    head = head_revision()
    state = "aktuellt" if current == head else "behöver uppgraderas"
    click.echo(f"schema: {current or 'tomt'}; programmet: {head} ({state})")
    if current != head:
        raise click.exceptions.Exit(1)


PURPOSES = {"demo": Purpose.DEMO, "test": Purpose.TEST, "drift": None}


@db.command("mark")
@click.argument("purpose", metavar="SYFTE", type=click.Choice(list(PURPOSES)))
@db_option
def db_mark(purpose: str, db_url: str | None) -> None:
    """Märk databasen som demo- eller testdatabas (där godtas --as utan API-nyckel och --date styr klockan)
    eller som driftdatabas igen. En databas med lösenord eller API-nycklar kan inte göras till demo eller test."""
    open_engine(db_url)  # a new database gets its schema
    run(db_url, mark, PURPOSES[purpose], os_user())
    found = run(db_url, purpose_of)
    click.echo(f"Databasen är nu en {PURPOSE_SV[found] if found else 'driftdatabas'}.")


COMMANDS = (db,)
