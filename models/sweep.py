"""What the sweep has done: per scope (the kinds a flow sweeps), the last day it completed, so the next sweep
catches up from there instead of from a fixed lookback."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from samverkan.models.base import UTCDateTime


class SweepRecord(SQLModel, table=True):
    """The last completed sweep of one scope ('alla', or the kinds of one flow joined by commas)."""

    __tablename__ = "sweep_record"

    scope: str = Field(primary_key=True, max_length=200)
    last_day: date  # Europe/Stockholm: every action due up to and including this day is done
    finished_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    runs: int = 0
    notifications: int = 0  # written by the last run
    documents: int = 0
