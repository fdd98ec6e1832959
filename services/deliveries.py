"""The delivery log: what the outbox sent, to whom, and how many attempts it took. For the coordinating roles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from samverkan.models import DeliveryAttempt, Notification, Person
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.overview import find_organisation


@dataclass
class DeliveryLog:
    rows: list[tuple[Notification, Person | None]]
    attempts: dict[int, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def delivery_log(session: Session, actor: Actor, limit: int = 200) -> DeliveryLog:
    """The organisation's latest notifications, newest first, with attempts per row and counts per status."""
    organisation = find_organisation(session, actor.org_key)
    require_function(session, organisation, actor.email, COORDINATING, actor.on, "läsa leveransloggen")
    rows = list(
        session.exec(
            select(Notification, Person)
            .join(Person, col(Person.id) == Notification.person_id, isouter=True)
            .where(Notification.organisation_id == organisation.id)
            .order_by(col(Notification.id).desc())
            .limit(limit)
        ).all()
    )
    attempts: dict[int, int] = defaultdict(int)
    ids = [n.id for n, _ in rows]
    for notification_id in session.exec(
        select(DeliveryAttempt.notification_id).where(col(DeliveryAttempt.notification_id).in_(ids))
    ).all():
        attempts[notification_id] += 1
    counts: dict[str, int] = defaultdict(int)
    for notification, _ in rows:
        counts[notification.status] += 1
    return DeliveryLog(rows, attempts, counts)
