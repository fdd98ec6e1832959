"""The yearly follow-up's account of an indicator that has no value for the cycle: why not."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field


class IndicatorFollowUp(SQLModel, table=True):
    """Why an indicator the cycle's åtgärder rely on has no value this cycle (one reason per cycle and indicator)."""

    __tablename__ = "indicator_follow_up"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "indicator_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    reason: str = Field(sa_type=sa.Text)
    recorded_by_person_id: int = Field(foreign_key="person.id")
    recorded_at: datetime = created_at_field()
