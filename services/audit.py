"""Writing the audit log from the service layer: who, what, when, before and after."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from samverkan.core.jsonable import jsonable
from samverkan.models import AuditEntry


def audit(
    session: Session,
    actor: str,
    organisation_id: int | None,
    action: str,
    entity: Any,
    *,
    key: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction, so the change and its record commit together."""
    session.flush()
    session.add(
        AuditEntry(
            actor=actor,
            organisation_id=organisation_id,
            action=action,
            entity_type=type(entity).__tablename__,
            entity_id=getattr(entity, "id", None),
            entity_key=key,
            before=jsonable(before),
            after=jsonable(after),
        )
    )
