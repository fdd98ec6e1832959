"""`samverkan backup`: an online SQLite copy, or PostgreSQL's pg_dump (services/backup.py)."""

from __future__ import annotations

from pathlib import Path

import click

from samverkan.cli.options import Command, Failure, db_option, db_url_or_default
from samverkan.core.settings import get_settings
from samverkan.services.errors import ServiceError


@click.command("backup", cls=Command)
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


COMMANDS = (backup_command,)
