"""Follow-up figures: indicators with baseline, target and national comparator, and measurements."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field, enum_field, timestamp_field
from samverkan.models.enums import IndicatorDirection


class Indicator(SQLModel, table=True):
    __tablename__ = "indicator"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=50)
    source: str = Field(max_length=200)
    area: str | None = Field(default=None, max_length=200, description="geography the figure is for")
    direction: IndicatorDirection = enum_field()
    interval_years: int = 1
    baseline_value: float | None = None
    baseline_year: int | None = None
    target_value: float | None = None
    target_year: int | None = None
    national_value: float | None = None
    national_year: int | None = None
    archived_at: datetime | None = timestamp_field()


class Measurement(SQLModel, table=True):
    __tablename__ = "measurement"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    period: str = Field(max_length=20, description="2027, 2027-Q1 or 2027-03")
    value: float
    preliminary: bool = False
    source: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = created_at_field()
