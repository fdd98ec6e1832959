"""The joint lägesbild's material: the parties' own lägesbilder and the sources that support each problem."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field, enum_field
from samverkan.models.enums import ProblemSourceKind


class PartyLagesbild(SQLModel, table=True):
    """One party's own lägesbild (the kommun's, the police's): an uploaded document with a short summary."""

    __tablename__ = "party_lagesbild"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    party_id: int = Field(foreign_key="organisation.id")
    upload_id: int = Field(foreign_key="upload.id")
    title: str = Field(max_length=300)
    summary: str = Field(sa_type=sa.Text)
    recorded_by_person_id: int = Field(foreign_key="person.id")
    created_at: datetime = created_at_field()


class ProblemSource(SQLModel, table=True):
    """What supports a problem: an EST aggregate (category and area), an indicator, an uploaded document or a
    party's own lägesbild. Exactly the reference its kind needs is set."""

    __tablename__ = "problem_source"

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", index=True)
    kind: ProblemSourceKind = enum_field()
    est_category: str | None = Field(default=None, max_length=64)
    est_area: str | None = Field(default=None, max_length=120)
    indicator_id: int | None = Field(default=None, foreign_key="indicator.id")
    upload_id: int | None = Field(default=None, foreign_key="upload.id")
    party_lagesbild_id: int | None = Field(default=None, foreign_key="party_lagesbild.id")
    note: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()
