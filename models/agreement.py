"""Agreements, citizen promises, decisions and the signatures that make them binding."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import UTCDateTime, created_at_field, enum_field
from samverkan.models.enums import ActivityStatus, AgreementStatus, DecisionStatus


class Agreement(SQLModel, table=True):
    """A samverkansöverenskommelse between N kommuner and one police area, for a period.

    Renewing creates a new version (previous_id points back); the old one is kept as `ersatt`.
    """

    __tablename__ = "agreement"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    version: int = 1
    previous_id: int | None = Field(default=None, foreign_key="agreement.id")
    title: str = Field(max_length=300)
    period_start: date
    period_end: date
    citizen_promise_years: int = 1
    status: AgreementStatus = enum_field(AgreementStatus.DRAFT)
    problems: str | None = None
    goals: str | None = None
    documentation: str | None = None
    follow_up: str | None = None
    # The cycle that adopted this version (its content is chosen from that cycle's problems and indicators).
    # No foreign key: cycle.agreement_id already points here, and two tables pointing at each other cannot be
    # created or dropped in one order.
    cycle_id: int | None = Field(default=None, index=True)
    review_on: date | None = None
    # The exact text the parties sign, frozen at the first signature; each signature stores its SHA-256.
    content_text: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = created_at_field()


class AgreementProblem(SQLModel, table=True):
    """A prioritised problem of the cycle that the agreement covers (its causes come from its orsaksanalys)."""

    __tablename__ = "agreement_problem"

    agreement_id: int = Field(foreign_key="agreement.id", primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", primary_key=True, index=True)


class AgreementGoal(SQLModel, table=True):
    """A measurable goal of the agreement: an indicator with the baseline and target the parties agree on."""

    __tablename__ = "agreement_goal"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    number: int
    problem_id: int | None = Field(default=None, foreign_key="problem.id")
    indicator_id: int = Field(foreign_key="indicator.id")
    description: str = Field(sa_type=sa.Text)
    baseline_value: float | None = None
    baseline_year: int | None = None
    target_value: float | None = None
    target_year: int | None = None


class AgreementParty(SQLModel, table=True):
    """A party to an agreement and the role that signs for it (each kommun's KSO, the LPO head)."""

    __tablename__ = "agreement_party"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    party_id: int = Field(foreign_key="organisation.id")
    signatory_role_id: int | None = Field(default=None, foreign_key="role.id")


class CitizenPromise(SQLModel, table=True):
    """A medborgarlöfte: one per kommun under an agreement, for one or two years, versioned."""

    __tablename__ = "citizen_promise"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "municipality_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    municipality_id: int = Field(foreign_key="organisation.id")
    version: int = 1
    previous_id: int | None = Field(default=None, foreign_key="citizen_promise.id")
    title: str = Field(max_length=300)
    text: str | None = None
    period_start: date
    period_end: date
    status: AgreementStatus = enum_field(AgreementStatus.DRAFT)
    communicated_on: date | None = None
    communicated_how: str | None = None
    content_text: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = created_at_field()


class PromiseActivity(SQLModel, table=True):
    """What a party does to keep a medborgarlöfte: owner party, deadline, status and its follow-up."""

    __tablename__ = "promise_activity"
    __table_args__ = (sa.UniqueConstraint("promise_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    promise_id: int = Field(foreign_key="citizen_promise.id", index=True)
    number: int
    title: str = Field(max_length=300)
    owner_party_id: int | None = Field(default=None, foreign_key="organisation.id")
    due_on: date | None = None
    status: ActivityStatus = enum_field(ActivityStatus.PLANNED)
    follow_up: str | None = None
    followed_up_on: date | None = None


class Decision(SQLModel, table=True):
    """A decision by a body: who decided, when, what; some need signatures from both parties."""

    __tablename__ = "decision"
    # "Beslut nr N": numbered per organisation, in the order recorded; the unique key makes two decisions
    # recorded at once collide instead of sharing a number (services/decision_numbers.py assigns it).
    __table_args__ = (sa.UniqueConstraint("organisation_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    number: int | None = Field(default=None, description="Beslut nr N, per organisation")
    body_id: int | None = Field(default=None, foreign_key="body.id")
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    phase_id: int | None = Field(default=None, foreign_key="phase.id")
    kind: str = Field(max_length=64, description="inriktningsbeslut, prioritering, antagande ...")
    decided_on: date
    title: str = Field(max_length=300)
    text: str = Field(sa_type=sa.Text)
    diarienummer: str | None = Field(default=None, max_length=64)
    status: DecisionStatus = enum_field(DecisionStatus.ADOPTED)
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id")
    citizen_promise_id: int | None = Field(default=None, foreign_key="citizen_promise.id")
    recorded_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = created_at_field()


class Signature(SQLModel, table=True):
    """One party's signature on an agreement, a citizen promise or a decision.

    The unique constraint makes two simultaneous signatures for the same party collide: one wins.
    """

    __tablename__ = "signature"
    __table_args__ = (sa.UniqueConstraint("subject_type", "subject_id", "party_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subject_type: str = Field(max_length=32, description="agreement | citizen_promise | decision")
    subject_id: int = Field(index=True)
    party_id: int = Field(foreign_key="organisation.id")
    role_id: int = Field(foreign_key="role.id")
    person_id: int = Field(foreign_key="person.id")
    signed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    content_hash: str | None = Field(default=None, max_length=64, description="SHA-256 of the signed text")
