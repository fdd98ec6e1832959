"""What flows share: the database engine and folders, reached through functions, never module globals
(Prefect's serve() pickles flow functions by value, and an engine does not pickle)."""

from __future__ import annotations

import gc
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import utcnow
from samverkan.database import make_engine, session_scope


@lru_cache
def engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def _freeze_what_is_loaded() -> None:
    """Once per process, after the modules and the database driver are imported and the table mappings configured
    (the first query would): the objects loaded so far (hundreds of thousands) are moved out of the garbage
    collector's reach, so the collections a sweep's rows set off no longer walk them all (~90 ms of a production
    day's 0.3 s CPU; gc.freeze(), as the Python docs advise for a process that loads once and then works). Once
    only: what a long-lived process makes later is collected as usual."""
    configure_mappers()
    gc.freeze()


def documents_dir() -> Path:
    settings = get_settings()
    settings.production_data_dir()  # refuses a relative folder on PostgreSQL: web and workers must share it
    return settings.documents_dir


def run_sweep(
    kinds: list[str] | None, org_keys: list[str] | None, now: str | None, documents: bool = True
) -> dict[str, Any]:
    """One transaction: everything of `kinds` (None: every kind) that is due, for every organisation (or the given
    ones), from the day after the last completed sweep of these kinds (services/catchup.py). `documents`: False
    leaves packets and reports unrendered (benchmarks measure the sweep without them)."""
    from samverkan.services.catchup import catch_up

    database = engine()  # imports the database driver
    _freeze_what_is_loaded()
    moment = datetime.fromisoformat(now) if now else utcnow()
    with session_scope(database) as session:
        result = catch_up(
            session, moment, org_keys=org_keys, kinds=kinds, documents_dir=documents_dir() if documents else None
        )
    return result.to_dict()
