"""What a running web app holds: the engine, the settings, and on SQLite one lock for writes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.settings import Settings
from samverkan.core.timeutil import today_local
from samverkan.database import session_scope


@dataclass
class WebState:
    engine: Engine
    settings: Settings
    # SQLite takes one writer at a time; queueing writers in the process avoids 'database is locked' when a
    # reading transaction wants to write. PostgreSQL needs no such lock (row locks and versions do the work).
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def secure_cookies(self) -> bool:
        return self.settings.base_url.startswith("https://")

    @property
    def uploads_dir(self) -> Path:
        return Path(self.settings.data_dir) / "uppladdat"

    def today(self) -> date:
        return today_local()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.write_lock if self.sqlite else nullcontext(), session_scope(self.engine) as session:
            yield session
