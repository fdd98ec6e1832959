"""Substance of the cycle: prioritised problems, their orsaksanalys, causes, and åtgärder on causes."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from samverkan.models.base import created_at_field, enum_field, json_field, timestamp_field
from samverkan.models.enums import CausePerspective, MeasureChangeKind, MeasureState, MeasureStatus


class Problem(SQLModel, table=True):
    """A problem from the joint lägesbild; prioritised ones need an orsaksanalys."""

    __tablename__ = "problem"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    title: str = Field(max_length=300)
    description: str | None = None
    prioritised: bool = False
    rank: int | None = None
    rationale: str | None = None
    created_at: datetime = created_at_field()
    area: str | None = Field(default=None, max_length=200, description="geography: kommundel, stadsdel, plats")
    category: str | None = Field(default=None, max_length=120, description="kind of problem, e.g. skadegörelse")
    period_from: date | None = None
    period_to: date | None = None
    # The criteria matrix (1–5 each) the coordinating roles prepare for the deciding body (Brå's criteria).
    score_extent: int | None = None
    score_severity: int | None = None
    score_trend: int | None = None
    score_insecurity: int | None = None
    score_cost: int | None = None
    decision_id: int | None = Field(default=None, foreign_key="decision.id", description="the prioritisation")

    def scores(self) -> dict[str, int | None]:
        """The matrix row: criterion → score (None while not assessed)."""
        return {name: getattr(self, f"score_{name}") for name in CRITERIA}


CRITERIA = ("extent", "severity", "trend", "insecurity", "cost")


class CauseAnalysis(SQLModel, table=True):
    """The orsaksanalys of one prioritised problem."""

    __tablename__ = "cause_analysis"

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", unique=True)
    sources_used: str | None = None
    sources_excluded: str | None = None
    summary: str | None = None
    completed_at: datetime | None = timestamp_field()


class Cause(SQLModel, table=True):
    """A probable cause, by perspective (victim, offender, place, situation), direct or indirect."""

    __tablename__ = "cause"
    __table_args__ = (sa.UniqueConstraint("analysis_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="cause_analysis.id", index=True)
    number: int
    perspective: CausePerspective = enum_field()
    direct: bool = True
    parent_id: int | None = Field(default=None, foreign_key="cause.id")
    description: str = Field(sa_type=sa.Text)
    sources: str | None = Field(default=None, sa_type=sa.Text, description="what the cause rests on")


class PerspectiveNotRelevant(SQLModel, table=True):
    """A perspective of the problem triangle judged not relevant for the problem, with the reason."""

    __tablename__ = "perspective_not_relevant"
    __table_args__ = (sa.UniqueConstraint("analysis_id", "perspective"),)

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="cause_analysis.id", index=True)
    perspective: CausePerspective = enum_field()
    reason: str = Field(sa_type=sa.Text)
    created_at: datetime = created_at_field()


class CitizenDialogue(SQLModel, table=True):
    """A medborgardialog behind an orsaksanalys, as a record: when, in what form, how many, what came out.
    Aggregates only: a count of participants, never who they were."""

    __tablename__ = "citizen_dialogue"

    id: int | None = Field(default=None, primary_key=True)
    analysis_id: int = Field(foreign_key="cause_analysis.id", index=True)
    held_on: date
    form: str = Field(max_length=200)
    participants: int = 0
    outcome: str = Field(sa_type=sa.Text)
    created_at: datetime = created_at_field()


class Measure(SQLModel, table=True):
    """An åtgärd: always acts on a cause, has an owner, a deadline and a way to be followed up."""

    __tablename__ = "measure"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    cause_id: int = Field(foreign_key="cause.id", index=True)
    title: str = Field(max_length=300)
    operational_goal: str | None = None
    owner_role_key: str = Field(max_length=64)
    due_on: date
    follow_up: str = Field(sa_type=sa.Text)
    status: MeasureStatus = enum_field(MeasureStatus.GREEN)
    progress_pct: int = 0
    short_term: bool = True
    hours_spent: float | None = None
    cost_sek: float | None = None
    arbetsgrupp: str | None = Field(default=None, max_length=200)
    planned_hours: float | None = None
    planned_cost_sek: float | None = None
    state: MeasureState = Field(
        default=MeasureState.ACTIVE, sa_type=sa.String(32), nullable=False, sa_column_kwargs={"server_default": "aktiv"}
    )
    created_at: datetime = created_at_field()

    def is_cancelled(self) -> bool:
        return self.state == MeasureState.CANCELLED

    def is_implemented(self) -> bool:
        """The rule "the åtgärd is genomförd" (100 %), for a measure already in memory."""
        return self.progress_pct >= IMPLEMENTED_PCT

    @classmethod
    def unfinished(cls) -> sa.ColumnElement[bool]:
        """The same rule negated as a SQL condition: the åtgärd is still being carried out (not cancelled)."""
        return sa.and_(col(cls.progress_pct) < IMPLEMENTED_PCT, col(cls.state) == MeasureState.ACTIVE)


IMPLEMENTED_PCT = 100


class MeasureIndicator(SQLModel, table=True):
    """An indicator that will show an åtgärd's effect (an åtgärd can have several, an indicator serve several)."""

    __tablename__ = "measure_indicator"

    measure_id: int = Field(foreign_key="measure.id", primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", primary_key=True, index=True)


class MeasureChange(SQLModel, table=True):
    """A decision that changed an åtgärd's scope or cancelled it, with what it was before and after."""

    __tablename__ = "measure_change"

    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id", index=True)
    decision_id: int = Field(foreign_key="decision.id")
    kind: MeasureChangeKind = enum_field()
    before: dict[str, object] = json_field()
    after: dict[str, object] = json_field()
    created_at: datetime = created_at_field()
