"""A production sweep's cadence actions for the coming weeks, planned once per organisation and kept, so the
daily sweep (a fresh process each morning) reads them instead of planning every organisation again."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import json_field


class CadencePlan(SQLModel, table=True):
    """One organisation's planned cadence actions due in [first_day, last_day], valid while its plan key (the
    cadences, breaks, packet lead and planning code they were made from, services/stored_plan.py) is unchanged."""

    __tablename__ = "cadence_plan"

    organisation_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    plan_key: str = Field(max_length=64)
    first_day: date
    last_day: date
    actions: list[dict[str, object]] = json_field(list)
