"""Recurring work: configured cadences, the meetings they produce, and fired trigger occurrences."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import UTCDateTime, created_at_field, enum_field, json_field, timestamp_field
from samverkan.models.enums import MeetingStatus, TriggerKind


class Cadence(SQLModel, table=True):
    """A configured rhythm (EST every other week, lokala BRÅ six times a year ...).

    `rule` holds the validated schedule from the configuration (see orgconfig.schema.Schedule).
    """

    __tablename__ = "cadence"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    key: str = Field(max_length=64)
    trigger: TriggerKind = enum_field()
    title: str = Field(max_length=200)
    body_id: int | None = Field(default=None, foreign_key="body.id")
    rule: dict[str, object] = json_field()
    notify: list[str] = json_field(list)
    archived_at: datetime | None = timestamp_field()


class Meeting(SQLModel, table=True):
    """A meeting of a body, from a cadence occurrence or called ad hoc (after a serious event)."""

    __tablename__ = "meeting"
    __table_args__ = (sa.UniqueConstraint("body_id", "occurrence_key"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    cadence_id: int | None = Field(default=None, foreign_key="cadence.id")
    occurrence_key: str = Field(max_length=100)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime | None = timestamp_field()
    location: str | None = Field(default=None, max_length=200)
    status: MeetingStatus = enum_field(MeetingStatus.PLANNED)
    ad_hoc: bool = False
    minutes: str | None = None


class TriggerOccurrence(SQLModel, table=True):
    """Identity of one firing of a trigger: (organisation, trigger, occurrence) happens once."""

    __tablename__ = "trigger_occurrence"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "trigger_key", "occurrence_key"),
        sa.Index("ix_trigger_occurrence_org_scheduled", "organisation_id", "scheduled_for"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    trigger_key: str = Field(max_length=100)
    occurrence_key: str = Field(max_length=100)
    scheduled_for: datetime = Field(sa_type=UTCDateTime, nullable=False)
    fired_at: datetime = created_at_field()
    result: dict[str, object] = json_field()
