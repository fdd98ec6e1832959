"""Sending failed messages again (`samverkan outbox retry`, the delivery log's button): re-queue and audit."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from samverkan.models import Notification, Organisation
from samverkan.models.enums import NotificationStatus
from samverkan.notifications.retry import Selection, requeue_failed
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.deliveries import coordinating_organisation
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
    every_failed: bool = False,
) -> list[int]:
    """Re-queue the failed messages chosen by id, kind and/or failed since a day (in one organisation, if given),
    or, with `every_failed`, all of them."""
    if not (ids or kind or since is not None or every_failed):
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


class FailedMessage(BaseModel):
    """Which failed message to send again; none named: every failed message of the organisation."""

    notification_id: int | None = Field(default=None, title="Meddelande", ge=1, le=2_147_483_647)


def retry_from_log(session: Session, actor: Actor, given: FailedMessage) -> list[int]:
    """The delivery log's buttons, for those who may read the log: one failed message again, or every one."""
    organisation = coordinating_organisation(session, actor)
    notification_id = given.notification_id
    if notification_id is not None:
        notification = session.get(Notification, notification_id)
        if notification is None or notification.organisation_id != organisation.id:
            raise NotFoundError(f"meddelande {notification_id} finns inte i {organisation.name}s utkorg")
        if notification.status != NotificationStatus.FAILED:
            raise RefusedError(f"meddelande {notification_id} har inte misslyckats; bara misslyckade skickas igen")
    ids = (notification_id,) if notification_id is not None else ()
    return retry_failed(session, actor.email, actor.now, organisation=organisation.key, ids=ids, every_failed=not ids)
