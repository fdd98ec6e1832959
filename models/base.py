"""Column types and helpers shared by all tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from samverkan.core.timeutil import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware in UTC.

    SQLite returns naive datetimes for DateTime(timezone=True) and PostgreSQL returns aware ones;
    normalising here keeps code and tests identical on both.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"tidpunkt utan tidszon kan inte sparas: {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def timestamp_field(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def enum_field(default: Any = ..., *, length: int = 32, index: bool = False) -> Any:
    """A StrEnum stored as plain text: portable, and no ALTER TYPE migrations for new values."""
    return Field(default=default, sa_type=sa.String(length), nullable=False, index=index)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model, for bulk reads and inserts of plain rows without the ORM."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it; its stubs do not declare it
    return table
