"""An organisation's bodies (styrgrupp, EST groups …) that are in use."""

from __future__ import annotations

from sqlmodel import Session, col, select

from samverkan.models import Body, Organisation
from samverkan.models.enums import BodyKind


def active_bodies(session: Session, organisation: Organisation, kind: BodyKind | None = None) -> list[Body]:
    """The organisation's bodies that are not archived, by name; only those of `kind` when given."""
    query = select(Body).where(Body.organisation_id == organisation.id, col(Body.archived_at).is_(None))
    if kind is not None:
        query = query.where(Body.kind == kind)
    return list(session.exec(query.order_by(Body.name)).all())
