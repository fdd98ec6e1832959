"""The append-only audit log: who, what, when, before and after.

Database triggers (created by the migrations) refuse UPDATE and DELETE on this table.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),)  # each act's last effective day

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor: str = Field(max_length=254, description="person e-mail, or config:<file>, or system:<flow>")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=64)
    entity_id: int | None = None
    entity_key: str | None = Field(default=None, max_length=200)
    before: dict[str, object] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, object] | None = Field(default=None, sa_type=sa.JSON)
    effective_on: date | None = Field(default=None, description="the day the act is effective for; `at` is when")
