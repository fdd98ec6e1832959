"""Writing the audit log from the service layer: who, what, when it happened, the day it is effective for,
before and after."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from samverkan.core.jsonable import jsonable
from samverkan.models import AuditEntry
from samverkan.services.access import Acting


def audit(
    session: Session,
    actor: str | Acting,
    organisation_id: int | None,
    action: str,
    entity: Any,
    *,
    key: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    on: date | None = None,
) -> None:
    """Append one entry in the caller's transaction, so the change and its record commit together. `at` is when
    it is written; `effective_on` the day the act is effective for: `on`, else the acting person's day."""
    session.flush()
    label = actor if isinstance(actor, str) else actor.label
    effective = on if on is not None or isinstance(actor, str) else actor.on
    session.add(
        AuditEntry(
            actor=label,
            effective_on=effective,
            organisation_id=organisation_id,
            action=action,
            entity_type=type(entity).__tablename__,
            entity_id=getattr(entity, "id", None),
            entity_key=key,
            before=jsonable(before),
            after=jsonable(after),
        )
    )
