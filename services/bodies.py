"""An organisation's bodies (styrgrupp, EST groups …) that are in use."""

from __future__ import annotations

from sqlmodel import Session, col, select

from samverkan.models import Body, Organisation
from samverkan.models.enums import BodyKind
from samverkan.services.overview import find_organisation


def active_bodies(session: Session, organisation: Organisation, kind: BodyKind | None = None) -> list[Body]:
    """The organisation's bodies that are not archived, by name; only those of `kind` when given."""
    query = select(Body).where(Body.organisation_id == organisation.id, col(Body.archived_at).is_(None))
    if kind is not None:
        query = query.where(Body.kind == kind)
    return list(session.exec(query.order_by(Body.name)).all())


def only_body(session: Session, org_key: str, kind: BodyKind) -> str:
    """The key of the organisation's one body of `kind` in use; empty when it has none or several."""
    bodies = active_bodies(session, find_organisation(session, org_key), kind)
    return bodies[0].key if len(bodies) == 1 else ""
