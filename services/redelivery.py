"""Sending failed messages again (`samverkan outbox retry`, the delivery log's button): re-queue and audit."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from samverkan.models import Notification, Organisation
from samverkan.notifications.retry import Selection, requeue_failed
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError


def retry_failed(
    session: Session,
    actor: str,
    now: datetime,
    *,
    organisation: str | None = None,
    ids: tuple[int, ...] = (),
    kind: str | None = None,
    since: date | None = None,
) -> list[int]:
    """Re-queue the failed messages chosen by id, kind and/or failed since a day (in one organisation, if given)."""
    if not ids and not kind and since is None:
        raise RefusedError("ange vilka misslyckade meddelanden som ska skickas igen: --id, --kind eller --since")
    org = None
    if organisation:
        org = session.exec(select(Organisation).where(Organisation.key == organisation)).first()
        if org is None:
            raise NotFoundError(f"organisationen '{organisation}' finns inte")
    selection = Selection(organisation_id=org.id if org else None, ids=ids, kind=kind, since=since)
    requeued = requeue_failed(session, selection, now)
    by_organisation: dict[int, list[int]] = {}
    for notification in [session.get(Notification, i) for i in requeued]:
        if notification is not None and notification.id is not None:
            by_organisation.setdefault(notification.organisation_id, []).append(notification.id)
    for organisation_id, notification_ids in by_organisation.items():
        audit(
            session,
            actor,
            organisation_id,
            "outbox.retry",
            session.get(Organisation, organisation_id),
            after={"notifications": notification_ids, "kind": kind, "since": since},
        )
    return requeued
