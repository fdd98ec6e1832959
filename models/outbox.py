"""The notification outbox: written in the same transaction as the change that causes it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import UTCDateTime, created_at_field, enum_field, json_field, timestamp_field
from samverkan.models.enums import NotificationStatus


class Notification(SQLModel, table=True):
    """One message to one recipient over one route. The idempotency key makes re-runs harmless."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_related", "related_type", "related_id"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=300, unique=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=64)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    body_id: int | None = Field(default=None, foreign_key="body.id")
    role_key: str | None = Field(default=None, max_length=64)
    route_id: int | None = Field(default=None, foreign_key="contact_route.id")
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_type=sa.Text)
    body_html: str | None = Field(default=None, sa_type=sa.Text)
    attachments: list[str] = json_field(list)
    related_type: str | None = Field(default=None, max_length=64)
    related_id: int | None = None
    due_on: date | None = Field(default=None, description="the deadline a reminder or escalation is about")
    status: NotificationStatus = enum_field(NotificationStatus.PENDING, index=True)
    not_before: datetime = Field(sa_type=UTCDateTime, nullable=False)
    urgent: bool = Field(default=False, description="sent on weekends and holidays too")
    attempts: int = 0
    next_attempt_at: datetime | None = timestamp_field()
    claimed_at: datetime | None = timestamp_field()
    delivered_routes: list[str] = json_field(list)
    last_error: str | None = None
    created_at: datetime = created_at_field()
    sent_at: datetime | None = timestamp_field()


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    at: datetime = created_at_field()
    route: str = Field(default="", max_length=300, description="channel and host only, never secrets")
    ok: bool
    error: str | None = None
