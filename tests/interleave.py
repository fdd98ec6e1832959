"""Two writers in two threads, each in its own transaction and connection, made to interleave in a chosen order:
the first acts and holds its transaction open; the second starts and runs until it waits for the first (on
PostgreSQL for a row lock or a unique index entry, seen in pg_stat_activity; on SQLite for the web app's writer's
turn, web/state.py; without that turn, for SQLite's own lock); only then does the first commit. Both write
through the web app's `WebState.write()`, as a request does (on PostgreSQL that is a plain transaction), or, with
`web=False`, in plain transactions as two command-line processes do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.settings import Settings
from samverkan.database import session_scope
from samverkan.web.state import WRITES, WebState

WAIT = 30.0  # seconds any step may take before the test fails, rather than hangs


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def result(self) -> Any:
        """The call's value, or the exception it raised (a refusal is an answer too)."""
        assert self.finished.wait(WAIT), "the writer did not finish"
        return self.error if self.error is not None else self.value


class Writers:
    """The web app's writers on `engine`, and a watch on the statements of the thread called `watched`: the first
    that would wait for another writer (a write, or a statement that locks rows) sets `at_lock`."""

    def __init__(self, engine: Engine, web: bool = True) -> None:
        self.engine, self.through_web = engine, web
        self.watched: str | None = None
        self.at_lock = threading.Event()
        self.backend_pid: int | None = None
        # listens before the web state's own listener (added in WebState.__post_init__): sees a statement before
        # it waits for the writer's turn
        sa.event.listen(engine, "before_cursor_execute", self._watch)
        self.web = WebState(engine, Settings(database_url=engine.url.render_as_string(hide_password=False)))

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._watch)

    def _watch(self, conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: bool) -> None:
        if threading.current_thread().name != self.watched or self.at_lock.is_set():
            return
        compiled = getattr(context, "compiled", None)
        locks_rows = getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None
        if conn.dialect.name == "sqlite" and not self.through_web:
            locks_rows = False  # SQLite has no row locks: without the web's turn only a write waits (SQLite's lock)
        if sql.lstrip()[:7].upper().startswith(WRITES) or locks_rows:
            if conn.dialect.name == "postgresql":
                self.backend_pid = conn.connection.dbapi_connection.info.backend_pid
            self.at_lock.set()

    def start(self, name: str, call: Callable[[Session], Any], hold: threading.Event | None = None) -> Outcome:
        """`call` in its own write transaction in a thread named `name`; with `hold`, the transaction stays open
        after the call (not committed) until `hold` is set."""
        outcome = Outcome()
        acted = threading.Event()

        def run() -> None:
            try:
                with self.web.write() if self.through_web else session_scope(self.engine) as session:
                    try:
                        outcome.value = call(session)
                    finally:
                        acted.set()
                    if hold is not None:
                        assert hold.wait(WAIT), "never released"
            except BaseException as exc:
                outcome.error = exc
            finally:
                acted.set()
                outcome.finished.set()

        threading.Thread(target=run, name=name, daemon=True).start()
        if hold is not None:
            assert acted.wait(WAIT), f"{name} did not act"
        return outcome

    def first_then_second(self, first: Callable[[Session], Any], second: Callable[[Session], Any]) -> tuple[Any, Any]:
        """`first` acts and holds its transaction open; `second` starts and runs until it waits for `first`;
        then `first` commits and `second` goes on. Fails if `second` never waits for `first` (it would read
        `first`'s state from before the commit)."""
        release = threading.Event()
        held = self.start("first", first, hold=release)
        assert held.error is None, held.error
        self.watched = "second"
        waiting = self.start("second", second)
        try:
            assert self.at_lock.wait(WAIT), "the second writer never reached a write or a row lock"
            self._until_waiting(waiting)
            assert not waiting.finished.is_set(), (
                f"the second writer did not wait for the first: {waiting.error or waiting.value!r}"
            )
        finally:
            release.set()
        return held.result(), waiting.result()

    def _until_waiting(self, waiting: Outcome) -> None:
        """On PostgreSQL: until the second writer's connection waits for a lock the first holds (or it finished,
        which the caller reports). On SQLite it waits for the turn once it reached the write (`at_lock`)."""
        if self.backend_pid is None:
            return
        deadline = time.monotonic() + WAIT
        with self.engine.connect() as connection:
            while time.monotonic() < deadline and not waiting.finished.is_set():
                kind = connection.execute(
                    sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": self.backend_pid},
                ).scalar()
                connection.rollback()  # a new snapshot of the statistics each time
                if kind == "Lock":
                    return
                time.sleep(0.02)


@contextmanager
def writers(engine: Engine, web: bool = True) -> Iterator[Writers]:
    both = Writers(engine, web)
    try:
        yield both
    finally:
        both.close()
