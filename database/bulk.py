"""Inserting many plain rows of one table at once (a sweep's outbox: tens of thousands of rows on a busy day).

`insert(table)` executed with a list of dicts runs every value of every row through its column's bind processor
(a timestamp converted to UTC and formatted, a list dumped as JSON) and builds each row's parameters again: most
of the time of a large insert on SQLite. Here the statement is compiled once per dialect and the values are
converted by the same processors (`convert`) where the caller chooses: a value that many rows share (an action's
due date, attachments, send time) once, not once per row. On SQLite the rows go to the driver's executemany as
they are (one prepared statement stepped per row). On PostgreSQL they go through COPY on the connection, in its
transaction: executemany sends one bind and execute per row, which the server works through one by one (a
multi-row VALUES statement of a thousand rows costs psycopg ~0.1 s just to parse its placeholders). COPY is not
seen by SQLAlchemy's cursor events. tests/test_bulk_insert.py reads back the same values as `insert(table)` writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect


class BulkInsert:
    """`INSERT INTO table (columns) VALUES (…)` for one dialect; rows are tuples of converted values, in the order
    of `columns`."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        self.columns = tuple(columns)
        compiled = insert(table).compile(dialect=dialect, column_keys=list(self.columns), for_executemany=True)
        self.sql = compiled.string
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.columns
        }
        self.positional = dialect.positional
        names = list(compiled.positiontup or []) if self.positional else list(self.columns)
        index = {name: position for position, name in enumerate(self.columns)}
        if sorted(names) != sorted(self.columns):  # each column's value bound once, under its own name
            raise ValueError(f"oväntade parametrar i {self.sql!r}: {names}")
        order = [index[name] for name in names]
        self.reorder = None if order == list(range(len(order))) else itemgetter(*order)  # to the statement's order
        self.copy: str | None = None
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            quote = dialect.identifier_preparer
            listed = ", ".join(quote.quote(name) for name in self.columns)
            self.copy = f"COPY {quote.format_table(table)} ({listed}) FROM STDIN"

    def convert(self, column: str, value: Any) -> Any:
        """`value` as the column's type binds it for this dialect."""
        processor = self.processors[column]
        return processor(value) if processor is not None else value

    def execute(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """The rows (converted values in the order of `columns`): on PostgreSQL with COPY, in the connection's
        transaction; elsewhere with one executemany of the compiled insert."""
        if not rows:
            return
        if self.copy is not None:
            driver = connection.connection.driver_connection  # psycopg's, in the transaction the session began
            assert driver is not None
            with driver.cursor() as cursor, cursor.copy(self.copy) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        parameters: Sequence[Any]
        if not self.positional:
            parameters = [dict(zip(self.columns, row, strict=True)) for row in rows]
        elif self.reorder is None:
            parameters = rows
        else:
            parameters = list(map(self.reorder, rows))
        connection.exec_driver_sql(self.sql, parameters)


@lru_cache(maxsize=16)
def bulk_insert(table: Table, columns: tuple[str, ...], dialect: Dialect) -> BulkInsert:
    """The compiled insert, once per table, columns and dialect (a process has one or two)."""
    return BulkInsert(table, columns, dialect)
