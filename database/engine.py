"""Creating engines and sessions. No module-level engine: Prefect's serve() pickles flow globals."""

from __future__ import annotations

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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for our database. SQLite files get their folder created and foreign keys enforced."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def pooled_engine(url: str, connections: int) -> Engine:
    """An engine whose pool keeps `connections` open (one per thread that may use the database at once, so that
    none waits for a connection or opens a new one under load), with as many again for a moment's surplus."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return make_engine(url)  # one connection shared by design
    return make_engine(url, pool_size=connections, max_overflow=connections)


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
