"""Creating engines and sessions. No module-level engine: Prefect's serve() pickles flow globals."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL fsyncs at checkpoints rather than every commit: the file cannot be corrupted, and a power
    # cut can lose only the last transactions (SQLite's documented trade-off; PostgreSQL is for production).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_before_savepoint(connection: sa.Connection, _name: str) -> None:
    """pysqlite sends its BEGIN before the first INSERT, UPDATE or DELETE, not before a SAVEPOINT; a SAVEPOINT
    outside a transaction opens one of its own that its RELEASE commits, so what a savepoint wrote as a
    transaction's first act stayed written when the transaction then rolled back. A BEGIN first (deferred, as
    pysqlite's own) makes the savepoint a nested one. Sent on the driver's connection: BEGIN is not counted as a
    statement, as psycopg's is not on PostgreSQL."""
    raw = connection.connection.driver_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for our database. SQLite files get their folder created and foreign keys enforced."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


IDLE_BEFORE_PING = 2.0  # seconds a pooled connection may rest and still be handed out without a ping


def pooled_engine(url: str, connections: int) -> Engine:
    """An engine whose pool keeps `connections` open (one per thread that may use the database at once, so that
    none waits for a connection or opens a new one under load), with as many again for a moment's surplus.
    On a server database a connection that has rested in the pool is pinged before use (a restarted server
    leaves dead ones behind); one back within `IDLE_BEFORE_PING` is not: under load every page took two
    connections, and each ping is a round trip."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return make_engine(url)  # one connection shared by design
        return make_engine(url, pool_size=connections, max_overflow=connections)
    engine = make_engine(url, pool_size=connections, max_overflow=connections, pool_pre_ping=False)
    dialect = engine.dialect

    def ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """A connection that rested longer than IDLE_BEFORE_PING answers the dialect's own ping first (as
        pool_pre_ping does, outside any transaction); one that does not is discarded and the pool hands out
        another."""
        rested = record.info.get("rested_since")
        if rested is None or time.monotonic() - rested <= IDLE_BEFORE_PING:
            return  # new (just connected), or back a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc

    sa.event.listen(engine, "checkin", _rested_since)
    sa.event.listen(engine, "checkout", ping_if_rested)
    return engine


def _rested_since(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["rested_since"] = time.monotonic()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error, so nothing is half-written."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def once_per_transaction(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once in the session's current transaction, then the same value: a request that asks the same
    question twice (the viewer's roles for the page and for its menu) issues one statement. Only for what the
    transaction itself does not change; a new transaction (after a commit or rollback) computes again."""
    memo: tuple[object, dict[Hashable, Any]] | None = session.info.get("once_per_transaction")
    if memo is not None and memo[0] is session.get_transaction() and key in memo[1]:
        return memo[1][key]  # type: ignore[no-any-return]
    value = compute()
    transaction = session.get_transaction()  # begun by compute() if it was not
    if memo is None or memo[0] is not transaction:
        memo = (transaction, {})
        session.info["once_per_transaction"] = memo
    memo[1][key] = value
    return value
