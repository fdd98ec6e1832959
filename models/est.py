"""EST observations: aggregates about places and situations, never about individuals."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field


class EstObservation(SQLModel, table=True):
    """One report between EST meetings: category, area, time band, source function, count or severity.

    There are deliberately no fields for names, personnummer or addresses of private persons.
    """

    __tablename__ = "est_observation"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    observed_on: date = Field(index=True)
    category: str = Field(max_length=64)
    area: str = Field(max_length=120)
    time_band: str | None = Field(default=None, max_length=32)
    source_function: str = Field(max_length=120)
    count: int | None = None
    severity: int | None = Field(default=None, description="1 (låg) – 3 (hög)")
    text: str | None = None
    reported_by_role_id: int | None = Field(default=None, foreign_key="role.id")
    created_at: datetime = created_at_field()

    @property
    def events(self) -> int:
        """The events it reports, as every lägesbild counts them: its count, or one when it gives only a severity.
        A count of 0 (possible before counts had to be at least 1) counts as 0: nothing more than was reported."""
        return 1 if self.count is None else self.count
