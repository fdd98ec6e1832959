"""The weekly lägesbild that flows upward (issue 17): what a kommun's förvaltningar report each week, and the
kommun's compiled weekly lägesbild, which its länsstyrelse rolls up into a monthly analysis.

Aggregates about places and situations only: no fields for names, personnummer or addresses of private persons.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field, json_field


class LagesbildContribution(SQLModel, table=True):
    """One förvaltning's (or EST member's) contribution to a week's lägesbild: one category in one area."""

    __tablename__ = "lagesbild_contribution"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    week_start: date = Field(index=True, description="the Monday of the ISO week it is about")
    role_id: int | None = Field(default=None, foreign_key="role.id", description="the reporting förvaltning's role")
    category: str = Field(max_length=100, description="in the vocabulary's spelling (orgconfig/categories.py)")
    area: str = Field(max_length=120)
    time_band: str | None = Field(default=None, max_length=32)
    count: int = Field(default=0)
    severity: int | None = Field(default=None, description="1 (låg) – 3 (hög)")
    trend: str | None = Field(default=None, max_length=32)
    text: str | None = Field(default=None, sa_type=sa.Text, description="checked for personal data")
    compiled_in_id: int | None = Field(default=None, foreign_key="weekly_lagesbild.id", index=True)
    created_at: datetime = created_at_field()


class WeeklyLagesbild(SQLModel, table=True):
    """A kommun's compiled lägesbild of one week: the structured rows (what the county sees) and the
    coordinator's summary (which stays with the kommun)."""

    __tablename__ = "weekly_lagesbild"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "week_start"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    week_start: date = Field(index=True)
    rows: list[dict[str, object]] = json_field(list)  # category, area, time band, count, severity, trend, reporters
    contributions: int = 0
    summary: str | None = Field(default=None, sa_type=sa.Text)
    compiled_by: str = Field(max_length=254)
    compiled_at: datetime = created_at_field()
