"""`samverkan db`: create and upgrade the database schema."""

from __future__ import annotations

import click

from samverkan.cli.options import CONTEXT, Group, db_option, db_url_or_default
from samverkan.database import current_revision, head_revision, make_engine, upgrade


@click.group("db", cls=Group, context_settings=CONTEXT)
def db() -> None:
    """Databasen: skapa och uppgradera schemat."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Uppgradera databasens schema till den senaste versionen."""
    engine = make_engine(db_url_or_default(db_url))
    before = current_revision(engine)
    upgrade(engine)
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


COMMANDS = (db,)
