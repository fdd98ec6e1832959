"""What a running web app holds: the engine, the settings, and on SQLite one writer's turn at a time, across
threads and across the web's worker processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.settings import Settings
from samverkan.core.timeutil import today_local
from samverkan.database import session_scope

try:
    import fcntl
except ImportError:  # not on Windows: there SQLite's own wait is the only turn between processes
    fcntl = None  # type: ignore[assignment]

LOOKUP_THREADS = 2
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")  # what pysqlite opens a transaction for (it does not for SELECT)


@dataclass
class WebState:
    engine: Engine
    settings: Settings
    # SQLite takes one writer at a time and makes the others poll for their turn; queueing this process's writers
    # on a lock hands the turn over at once. The lock is taken at a write transaction's first write (or a
    # statement that locks rows on PostgreSQL) and held until its commit or rollback: the same span SQLite holds
    # its own write lock, so the reads and checks before the write run side by side. PostgreSQL needs no such
    # lock (row locks and versions do the work).
    # The threads that look up a request's session cookie (web/security.py::looked_up_viewer), beside the page
    # threads; each holds a connection only for that one statement.
    lookups: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(LOOKUP_THREADS))
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _writing: threading.local = field(default_factory=threading.local)
    # Several worker processes on one SQLite file: the turn is also a lock on a file beside the database (taken
    # after the thread lock, so one thread per process asks for it). SQLite's own wait polls, sleeping up to
    # 100 ms between tries, so a writer could wait long after the turn was free; a file lock wakes it at once.
    _turn_path: str | None = None

    def __post_init__(self) -> None:
        if self.sqlite:
            sa.event.listen(self.engine, "before_cursor_execute", self._before_statement)
            database = self.engine.url.database
            if fcntl is not None and database and database != ":memory:" and not database.startswith("file:"):
                self._turn_path = f"{database}-write-turn"

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
    def lookup(self) -> Iterator[Session]:
        """One statement's read, with no transaction around it: on PostgreSQL (autocommit) no BEGIN and COMMIT
        round trips for what every request asks first (the session cookie's person). pysqlite opens no
        transaction for a read anyway."""
        if self.sqlite:
            with self.read() as session:
                yield session
            return
        with (
            self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
            Session(connection, expire_on_commit=False) as session,
        ):
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction; on SQLite it waits for the writer's turn (this process's threads, then the other
        worker processes') at its first write."""
        before = getattr(self._writing, "active", False), getattr(self._writing, "holds", False)
        self._writing.active, self._writing.holds = True, False
        try:
            with session_scope(self.engine) as session:
                yield session
        finally:
            if self._writing.holds:
                if self._writing.turn is not None:
                    os.close(self._writing.turn)  # gives the file lock back
                self.write_lock.release()
            self._writing.active, self._writing.holds = before

    def _before_statement(self, _conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: bool) -> None:
        """In a write transaction on this thread: the first statement that writes (or would lock rows) waits for
        the writer's turn."""
        if not getattr(self._writing, "active", False) or self._writing.holds:
            return
        compiled = getattr(context, "compiled", None)
        locks_rows = getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
        if sql.lstrip()[:7].upper().startswith(WRITES) or locks_rows:
            self.write_lock.acquire()
            self._writing.turn = None
            if self._turn_path is not None:
                try:
                    turn = os.open(self._turn_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                    try:
                        fcntl.flock(turn, fcntl.LOCK_EX)
                    except BaseException:
                        os.close(turn)
                        raise
                except BaseException:
                    self.write_lock.release()
                    raise
                self._writing.turn = turn
            self._writing.holds = True
