"""The delivery log: what the outbox sent, to whom, and how many attempts it took. For the coordinating roles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from samverkan.models import DeliveryAttempt, Notification, Organisation, Person
from samverkan.services.access import COORDINATING, find_person, roles_held
from samverkan.services.actor import Actor
from samverkan.services.errors import NotPermittedError
from samverkan.services.overview import find_organisation


@dataclass
class DeliveryLog:
    rows: list[tuple[Notification, Person | None]]
    attempts: dict[int, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def coordinating_organisation(session: Session, actor: Actor) -> Organisation:
    """The actor's organisation, if they hold a coordinating role there on the day (the delivery log's rule)."""
    organisation = find_organisation(session, actor.org_key)
    held = roles_held(session, organisation, find_person(session, actor.email), actor.on)
    if not any(r.function in COORDINATING or r.key in COORDINATING for r in held):
        raise NotPermittedError(
            f"Leveransloggen för {organisation.name} är för samordnaren och kommunpolisen "
            f"(du har: {', '.join(r.name for r in held) or 'ingen roll'})."
        )
    return organisation


def delivery_log(session: Session, actor: Actor, limit: int = 200) -> DeliveryLog:
    """The organisation's latest notifications, newest first, with attempts per row and counts per status."""
    organisation = coordinating_organisation(session, actor)
    rows: list[tuple[Notification, Person | None]] = list(
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
