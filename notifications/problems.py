"""Delivery problems told to the coordinators: one digest per coordinator per day, over a route that works.

A message that has used its whole retry schedule is `misslyckad`; nothing is dropped silently, but a long outage
must not become thousands of e-mails over the very route that is down. So each coordinator gets at most one
`leveransproblem` message a day, listing every message that failed since the previous one, and it avoids the
routes that failed where the coordinator has another one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import STOCKHOLM
from samverkan.models import DeliveryAttempt, Notification, Organisation, Person, Role
from samverkan.models.enums import NotificationStatus
from samverkan.orgconfig.routes import redact
from samverkan.roles.address import greeting
from samverkan.roles.holding import holders
from samverkan.scheduling.actions import Action

NO_CASCADE = Action.LEVERANSPROBLEM.value  # a failed problem report makes no further reports
LISTED = 50  # failures named in one digest; the rest are counted
COORDINATOR = "samordnare"


def _failed_since(session: Session, organisation_id: int, after: datetime | None) -> list[Notification]:
    """The organisation's failed messages tried (or, if never tried, created) after `after`."""
    query = select(Notification).where(
        Notification.organisation_id == organisation_id,
        Notification.status == NotificationStatus.FAILED,
        Notification.kind != NO_CASCADE,
    )
    if after is not None:
        tried = exists().where(
            col(DeliveryAttempt.notification_id) == col(Notification.id), col(DeliveryAttempt.at) > after
        )
        query = query.where(or_(tried, col(Notification.created_at) > after))
    return list(session.exec(query.order_by(col(Notification.id))).all())


def _previous_digest(session: Session, organisation_id: int, person_id: int) -> Notification | None:
    return session.exec(
        select(Notification)
        .where(
            Notification.organisation_id == organisation_id,
            Notification.kind == NO_CASCADE,
            Notification.person_id == person_id,
        )
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    ).first()


def _digest_text(session: Session, failures: list[Notification], greeting: str, since: str) -> str:
    lines = []
    for failure in failures[:LISTED]:
        person = session.get(Person, failure.person_id) if failure.person_id else None
        who = person.name if person else "organets kanal"
        error = (failure.last_error or "okänt fel")[:300]
        lines.append(f"- '{failure.subject}' till {who} ({failure.attempts} försök): {error}")
    if len(failures) > LISTED:
        lines.append(f"- … och {len(failures) - LISTED} till (samverkan outbox --status misslyckad)")
    listing = "\n".join(lines)
    return (
        f"{greeting}\n\nDe här meddelandena kunde inte levereras:\n{listing}\n\n"
        "Kontrollera kontaktvägarna i organisationsfilen och kontakta mottagarna på annat sätt. När felet är "
        f"åtgärdat skickas meddelandena igen med 'samverkan outbox retry --since {since}' eller med knappen "
        "Skicka igen i leveransloggen."
    )


def make_problem_digests(session: Session, now: datetime) -> int:
    """Today's delivery-problem digest for each coordinator who has unreported failures and none yet today."""
    day = now.astimezone(STOCKHOLM).date()
    made = 0
    org_ids = session.exec(
        select(Notification.organisation_id)
        .where(Notification.status == NotificationStatus.FAILED, Notification.kind != NO_CASCADE)
        .distinct()
    ).all()
    for org in [session.get(Organisation, org_id) for org_id in org_ids]:
        if org is None:
            continue
        for role in session.exec(
            select(Role).where(Role.organisation_id == org.id, Role.function == COORDINATOR)
        ).all():
            for coordinator in holders(session, role, day):
                key = f"{org.key}:{NO_CASCADE}:{coordinator.id}:{day.isoformat()}"
                if session.exec(select(Notification.id).where(Notification.idempotency_key == key)).first():
                    continue  # one a day
                previous = _previous_digest(session, saved_id(org), saved_id(coordinator))
                failures = _failed_since(session, saved_id(org), previous.created_at if previous else None)
                if not failures:
                    continue
                since = previous.created_at.astimezone(STOCKHOLM).date() if previous else day - timedelta(days=1)
                count = f"{len(failures)} meddelande{'' if len(failures) == 1 else 'n'}"
                session.add(
                    Notification(
                        idempotency_key=key,
                        organisation_id=saved_id(org),
                        kind=NO_CASCADE,
                        person_id=coordinator.id,
                        role_key=role.key,
                        subject=f"Leveransproblem: {count} kom inte fram",
                        body_text=_digest_text(
                            session, failures, f"{greeting(session, role, org.name)},", since.isoformat()
                        ),
                        not_before=now,
                        created_at=now,
                    )
                )
                made += 1
    return made


def avoiding_failed_routes(session: Session, notification: Notification, urls: list[str]) -> list[str]:
    """A problem digest's routes without those that failed the messages it reports, where another one is left."""
    if notification.kind != NO_CASCADE:
        return urls
    broken = set(
        session.exec(
            select(DeliveryAttempt.route)
            .join(Notification, col(Notification.id) == DeliveryAttempt.notification_id)
            .where(
                Notification.organisation_id == notification.organisation_id,
                Notification.status == NotificationStatus.FAILED,
                Notification.kind != NO_CASCADE,
                col(DeliveryAttempt.ok).is_(False),
                col(DeliveryAttempt.at) >= notification.created_at - timedelta(days=2),
            )
            .distinct()
        ).all()
    )
    working = [url for url in urls if redact(url) not in broken]
    return working or urls
