"""What flows share: the database engine and folders, reached through functions, never module globals
(Prefect's serve() pickles flow functions by value, and an engine does not pickle)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import utcnow
from samverkan.database import make_engine, session_scope


@lru_cache
def engine() -> Engine:
    return make_engine(get_settings().database_url)


def documents_dir() -> Path:
    return get_settings().documents_dir


def run_sweep(kinds: list[str] | None, org_keys: list[str] | None, now: str | None) -> dict[str, Any]:
    """One transaction: everything of `kinds` that is due, for every organisation (or the given ones)."""
    from samverkan.services.sweep import sweep

    moment = datetime.fromisoformat(now) if now else utcnow()
    with session_scope(engine()) as session:
        result = sweep(session, moment, org_keys=org_keys, kinds=kinds, documents_dir=documents_dir())
    return result.to_dict()
