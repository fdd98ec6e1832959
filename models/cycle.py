"""The collaboration cycle: phases in order, checklists with evidence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field, enum_field, json_field, timestamp_field
from samverkan.models.enums import CycleStatus, EvidenceKind, ItemStatus, PhaseStatus


class Cycle(SQLModel, table=True):
    """One turn of lägesbild → ... → uppföljning, run on a named process definition."""

    __tablename__ = "cycle"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "number"),
        # one running cycle per organisation, whatever two concurrent starts read (services/cycle.py::start_cycle
        # turns the collision into its refusal); migration 0011_one_running_cycle
        sa.Index(
            "uq_cycle_one_running",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text(f"status = '{CycleStatus.ACTIVE.value}'"),
            postgresql_where=sa.text(f"status = '{CycleStatus.ACTIVE.value}'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id")
    number: int
    definition_key: str = Field(max_length=64)
    definition_version: int = 1
    # The process definition as the cycle started with it (parsed YAML): a running cycle keeps its own rules
    # when the file changes; an explicit, audited upgrade replaces it.
    definition_snapshot: dict[str, Any] = json_field(dict)
    status: CycleStatus = enum_field(CycleStatus.ACTIVE)
    started_at: datetime = created_at_field()
    # the day the cycle is effective from (the starting act's effective date); evidence may not predate it
    started_on: date | None = None
    closed_at: datetime | None = timestamp_field()
    version: int = Field(default=1, description="optimistic lock")


class Phase(SQLModel, table=True):
    __tablename__ = "phase"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    ordinal: int
    status: PhaseStatus = enum_field(PhaseStatus.NOT_STARTED)
    deciding_body_key: str | None = Field(default=None, max_length=64)
    opened_at: datetime | None = timestamp_field()
    completed_at: datetime | None = timestamp_field()
    due_on: date | None = None
    history: list[dict[str, object]] = json_field(list)


class ChecklistItem(SQLModel, table=True):
    """An exit criterion of a phase ("klart när"): owned by a role, done only with evidence."""

    __tablename__ = "checklist_item"
    __table_args__ = (sa.UniqueConstraint("phase_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    key: str = Field(max_length=64)
    title: str = Field(max_length=300)
    owner_role_key: str = Field(max_length=64, description="a role function, e.g. samordnare")
    evidence_kind: EvidenceKind = enum_field()
    requirement: str | None = Field(default=None, max_length=64, description="substance check, see process")
    status: ItemStatus = enum_field(ItemStatus.OPEN)
    due_on: date | None = None
    completed_at: datetime | None = timestamp_field()
    completed_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    version: int = Field(default=1, description="optimistic lock: concurrent completions collide")


class Evidence(SQLModel, table=True):
    """What shows an item is done: a document, a decision, a dialogue record or a link."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    checklist_item_id: int = Field(foreign_key="checklist_item.id", index=True)
    kind: EvidenceKind = enum_field()
    title: str = Field(max_length=300)
    uri: str | None = Field(default=None, sa_type=sa.Text)
    decision_id: int | None = Field(default=None, foreign_key="decision.id")
    dated_on: date | None = Field(default=None, description="the date of the document, decision or dialogue")
    recorded_by_person_id: int = Field(foreign_key="person.id")
    recorded_at: datetime = created_at_field()
