"""Backups. SQLite: SQLite's online backup API copies a consistent snapshot while the service runs, and the
copy is checked (integrity and schema version). PostgreSQL: `pg_dump --format=custom`, the documented tool,
restored with `pg_restore`; we build the command, the operator's scheduler runs it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.services.errors import ServiceError


@dataclass
class Backup:
    path: Path
    size: int
    schema: str | None


def default_target(folder: Path, backend: str, now: datetime | None = None) -> Path:
    stamp = (now or utcnow()).astimezone(STOCKHOLM).strftime("%Y%m%d-%H%M%S")
    return folder / f"samverkan-{stamp}.{'db' if backend == 'sqlite' else 'dump'}"


def backup_sqlite(url: str, target: Path) -> Backup:
    """A consistent copy of a live SQLite database (other connections may keep writing meanwhile)."""
    database = sa.make_url(url).database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise ServiceError(f"SQLite-databasen {database or url} finns inte")
    if target.exists():
        raise ServiceError(f"{target} finns redan; välj ett annat filnamn")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        (result,) = copy.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise ServiceError(f"kopian {target} är trasig: {result}")
        row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        copy.close()
        source.close()
    return Backup(target, target.stat().st_size, row[0] if row else None)


def pg_dump_command(url: str, target: Path) -> list[str]:
    """pg_dump for our PostgreSQL URL (the SQLAlchemy driver name removed; a password belongs in ~/.pgpass
    or PGPASSWORD, not on a command line)."""
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_libpq(url)}"]


def pg_restore_command(url: str, dump: Path) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq(url)}", str(dump)]


def _libpq(url: str) -> str:
    parsed = sa.make_url(url)
    bare = sa.URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database)
    return bare.set(query=parsed.query).render_as_string(hide_password=False)


def run_pg_dump(url: str, target: Path) -> Backup:
    if shutil.which("pg_dump") is None:
        raise ServiceError("pg_dump finns inte på den här datorn (Debian: apt-get install postgresql-client)")
    target.parent.mkdir(parents=True, exist_ok=True)
    password = sa.make_url(url).password
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}
    done = subprocess.run(pg_dump_command(url, target), capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise ServiceError(f"pg_dump misslyckades: {(done.stderr.strip().splitlines() or ['okänt fel'])[-1]}")
    return Backup(target, target.stat().st_size, None)
