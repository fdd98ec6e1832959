"""What a database is for. Without a row it is a production database; a demo database (made by `samverkan run`)
or a test database (made by the test suite, or marked by `samverkan db mark`) has one. Only there does the
command line accept `--as` without a personal API key."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field, enum_field


class Purpose(StrEnum):
    DEMO = "demo"
    TEST = "test"


class Installation(SQLModel, table=True):
    __tablename__ = "installation"

    id: int | None = Field(default=None, primary_key=True)
    purpose: Purpose = enum_field(length=16)
    marked_at: datetime = created_at_field()
    marked_by: str = Field(max_length=254, description="the OS user or program that marked it")
