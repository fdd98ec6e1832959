"""The primary key of a stored row, typed as the int it is once the row is loaded or flushed."""

from __future__ import annotations

from typing import Protocol


class Stored(Protocol):
    """Any table row: its id is None until the database assigns one."""

    @property
    def id(self) -> int | None: ...


def saved_id(row: Stored) -> int:
    """The row's id; a row that was never flushed has none, and using it as a reference is a bug."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} har inget id ännu (raden är inte sparad)")
    return row.id
