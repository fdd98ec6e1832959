"""Delivering the outbox through Apprise: claim, re-check, send per route, record, retry on a schedule.

Guarantee (at-least-once, and a copy is recognisable as one): notifications are claimed (status `skickas`) in
small batches (one per sending thread) and committed before anything is sent; each is recorded in its own
transaction as soon as its sends return. Each route that accepts it is recorded; the notification is `skickad`
when every route has it. If the process dies after a route accepted a message but before that was recorded, the
claim expires (RECLAIM_AFTER) and that route gets the message again: only the messages in flight, at most one
per thread. A copy carries the same `X-Samverkan-Id` header (e-mail and webhooks) and, on e-mail, the same
Message-ID (derived from the idempotency key), so a mail server or receiver can drop it. Failed attempts are retried on
SAMVERKAN_RETRY_SCHEDULE (more than a day by default); what still fails becomes `misslyckad` until re-queued,
and the coordinators hear of it in one digest a day (notifications.problems).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any
from urllib.parse import quote

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.database import session_scope
from samverkan.models import ContactRoute, DeliveryAttempt, Notification, Organisation, Person
from samverkan.models.enums import NotificationStatus
from samverkan.notifications.owed import why_not_owed
from samverkan.notifications.problems import avoiding_failed_routes, make_problem_digests
from samverkan.notifications.retry import next_attempt, retry_schedule
from samverkan.notifications.sender import sender_parameters
from samverkan.notifications.sending import send_one
from samverkan.orgconfig.routes import channel_of, redact
from samverkan.scheduling.actions import Action, is_digestible, is_urgent
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.templates.rendering import render

RECLAIM_AFTER = timedelta(minutes=15)
DELIVER_FROM = time(8, 0)
URGENT_TAG = "bradskande"


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    postponed: int = 0
    reclaimed: int = 0
    problem_digests: int = 0
    per_recipient: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "postponed": self.postponed,
            "reclaimed": self.reclaimed,
            "problem_digests": self.problem_digests,
            "per_recipient": self.per_recipient,
        }


def email_route(person: Person, key: str) -> str | None:
    """The person's e-mail through the configured SMTP route (SAMVERKAN_SMTP_URL, secrets as ${ENV})."""
    template = get_settings().smtp_url
    if not template or not person.email:
        return None
    separator = "&" if "?" in template else "?"
    return f"{template}{separator}to={quote(person.email)}&+X-Samverkan-Id={quote(key)}"


def routes_for(session: Session, notification: Notification) -> list[str]:
    """Every route this notification should take, as templates (secrets still ${ENV} references)."""
    urls: list[str] = []
    person = session.get(Person, notification.person_id) if notification.person_id else None
    if person is not None:
        email = email_route(person, notification.idempotency_key)
        if email:
            urls.append(email)
    owner = (
        (ContactRoute.person_id == person.id) if person is not None else (ContactRoute.body_id == notification.body_id)
    )
    for route in session.exec(
        select(ContactRoute)
        .where(ContactRoute.organisation_id == notification.organisation_id, owner)
        .order_by(col(ContactRoute.id))
    ).all():
        if URGENT_TAG in route.tags and not is_urgent(notification.kind, notification.urgent):
            continue  # e.g. SMS only for what cannot wait
        url = route.url_template
        if channel_of(url).value == "webhook":  # the receiver can drop a copy with the same key
            url += ("&" if "?" in url else "?") + f"+X-Samverkan-Id={quote(notification.idempotency_key)}"
        urls.append(url)
    return urls


def _working_calendar(session: Session, organisation_id: int) -> WorkCalendar:
    org = session.get(Organisation, organisation_id)
    return WorkCalendar.from_settings(org.breaks() if org else [])


def _html(notification: Notification) -> str:
    return render("messages/email.html.j2", n=notification, paragraphs=notification.body_text.split("\n\n"))


def _make_digests(session: Session, now: datetime) -> int:
    """Where an organisation wants a daily digest, fold each person's due reminders into one message."""
    orgs = [
        o
        for o in session.exec(select(Organisation).where(col(Organisation.source_file).is_not(None))).all()
        if o.section("reminders").get("digest")
    ]
    made = 0
    for org in orgs:
        due = session.exec(
            select(Notification)
            .where(
                Notification.organisation_id == org.id,
                Notification.status == NotificationStatus.PENDING,
                Notification.not_before <= now,
                col(Notification.person_id).is_not(None),
            )
            .order_by(col(Notification.id))
        ).all()
        by_person: dict[int, list[Notification]] = {}
        for notification in due:
            person_id = notification.person_id
            if person_id and is_digestible(notification.kind) and why_not_owed(session, notification) is None:
                by_person.setdefault(person_id, []).append(notification)
        day = now.astimezone(STOCKHOLM).date()
        for person_id, reminders in by_person.items():
            key = f"{org.key}:sammanfattning:{person_id}:{day.isoformat()}:{reminders[0].id}"
            lines = "\n".join(f"- {n.subject}" for n in reminders)
            greeting = reminders[0].body_text.split("\n")[0]
            session.add(
                Notification(
                    idempotency_key=key,
                    organisation_id=saved_id(org),
                    kind=Action.SAMMANFATTNING.value,
                    person_id=person_id,
                    role_key=reminders[0].role_key,
                    subject=f"Dagens påminnelser från Samverkan ({len(reminders)})",
                    body_text=f"{greeting}\n\nDet här står på tur:\n{lines}\n\n"
                    f"Öppna Samverkan: {get_settings().base_url.rstrip('/')}/org/{org.key}",
                    not_before=now,
                    created_at=now,
                )
            )
            for notification in reminders:
                notification.status = NotificationStatus.CANCELLED
                notification.last_error = f"samlad i dagens sammanfattning ({key})"
                session.add(notification)
            made += 1
    return made


def deliver_pending(
    engine: Engine,
    now: datetime | None = None,
    limit: int = 1000,
    only_ids: list[int] | None = None,
    workers: int = 8,
) -> DeliveryReport:
    """One delivery pass over what is due. Safe to run in several processes at once (claims are atomic)."""
    now = now or utcnow()
    retry_schedule()  # a schedule that cannot be read stops the pass before anything is claimed (ScheduleError)
    report = DeliveryReport()
    with session_scope(engine) as session:  # claims that outlived a crashed sender go back to the queue
        stale = session.execute(
            update(Notification)
            .where(
                col(Notification.status) == NotificationStatus.SENDING,
                col(Notification.claimed_at) < now - RECLAIM_AFTER,
            )
            .values(status=NotificationStatus.PENDING, claimed_at=None)
        )
        report.reclaimed = stale.rowcount  # type: ignore[attr-defined]
        if only_ids is None:
            _make_digests(session, now)
            session.flush()
        query = (
            select(col(Notification.id))
            .where(
                Notification.status == NotificationStatus.PENDING,
                Notification.not_before <= now,
                col(Notification.next_attempt_at).is_(None) | (col(Notification.next_attempt_at) <= now),
            )
            .order_by(col(Notification.id))
            .limit(limit)
        )
        if only_ids is not None:
            query = query.where(col(Notification.id).in_(only_ids))
        ids = [i for i in session.exec(query).all() if i is not None]
    _deliver(engine, ids, now, workers, report)
    if only_ids is None:  # after this pass's records, so today's digest names what failed in it
        with session_scope(engine) as session:
            report.problem_digests = make_problem_digests(session, now)
    return report


def _deliver(engine: Engine, ids: list[int], now: datetime, workers: int, report: DeliveryReport) -> None:
    """Keep at most one claimed message per thread in flight: claim as threads free up, send outside any
    transaction (a slow receiver holds no locks), and record each message the moment its sends return."""
    capacity, queue = max(1, workers), iter(ids)
    in_flight: dict[Future[None], _Job] = {}
    with ThreadPoolExecutor(max_workers=capacity) as pool:
        while True:
            wanted = list(islice(queue, capacity - len(in_flight)))
            while wanted and len(in_flight) < capacity:  # a postponed or stopped claim frees its place again
                for job in _claim(engine, wanted, now, report):
                    in_flight[pool.submit(_send_job, job)] = job
                wanted = list(islice(queue, capacity - len(in_flight)))
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()
                with session_scope(engine) as session:
                    _record(session, in_flight.pop(future), now, report)


@dataclass
class _Job:
    """One claimed notification on its way out: what to send where, and what came back."""

    id: int
    routes: list[str]
    message: Notification
    html: str
    sender: str = ""  # an e-mail's sender name, Reply-To and headers (sender_parameters)
    results: list[tuple[str, str | None]] = field(default_factory=list)


def _claim(engine: Engine, ids: list[int], now: datetime, report: DeliveryReport) -> list[_Job]:
    """Claim a batch and prepare it, in one committed transaction, before anything is sent."""
    jobs = []
    local_day = now.astimezone(STOCKHOLM).date()
    senders: dict[int, str] = {}  # per organisation: its coordinators are looked up once a batch
    with session_scope(engine) as session:
        for notification_id in ids:
            claimed = session.execute(
                update(Notification)
                .where(col(Notification.id) == notification_id, col(Notification.status) == NotificationStatus.PENDING)
                .values(status=NotificationStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another sender has it
            notification = session.get(Notification, notification_id)
            assert notification is not None
            session.refresh(notification)
            reason = why_not_owed(session, notification)
            if reason is not None:
                notification.status, notification.last_error = NotificationStatus.CANCELLED, f"stoppad: {reason}"
                session.add(notification)
                report.cancelled += 1
                continue
            if _hold_until_working_day(session, notification, local_day):
                report.postponed += 1
                continue
            routes = [
                r
                for r in avoiding_failed_routes(session, notification, routes_for(session, notification))
                if _route_id(r) not in notification.delivered_routes
            ]
            message = Notification(
                id=notification.id,
                subject=notification.subject,
                body_text=notification.body_text,
                attachments=list(notification.attachments),
                idempotency_key=notification.idempotency_key,
                organisation_id=0,
                kind="",
                not_before=now,
            )
            org_id = notification.organisation_id
            sender = senders.get(org_id) or senders.setdefault(
                org_id, sender_parameters(session, notification, local_day)
            )
            jobs.append(_Job(notification_id, routes, message, _html(notification), sender))
    return jobs


def _hold_until_working_day(session: Session, notification: Notification, local_day: date) -> bool:
    """Put a notification back until the next working day, unless it is urgent or that day would be after the
    event or deadline it is about (then it goes out now: never held past what it is about)."""
    if is_urgent(notification.kind, notification.urgent):
        return False
    calendar = _working_calendar(session, notification.organisation_id)
    if calendar.is_working_day(local_day, observe_breaks=False):
        return False
    next_day = calendar.next_working_day(local_day, observe_breaks=False)
    action = Action.from_code(notification.kind)
    if notification.due_on is not None and next_day > notification.due_on and not (action and action.after_event):
        return False
    notification.status, notification.attempts = NotificationStatus.PENDING, notification.attempts - 1
    notification.not_before = datetime.combine(next_day, DELIVER_FROM, tzinfo=STOCKHOLM)
    notification.claimed_at = None
    session.add(notification)
    return True


def _send_job(job: _Job) -> None:
    job.results = [(url, send_one(url, job.message, job.html, job.sender)) for url in job.routes]


def _record(session: Session, job: _Job, now: datetime, report: DeliveryReport) -> None:
    """Record one notification's attempts and decide its state."""
    notification = session.get(Notification, job.id)
    assert notification is not None
    person = session.get(Person, notification.person_id) if notification.person_id else None
    delivered, errors = list(notification.delivered_routes), []
    for url, error in job.results:
        session.add(DeliveryAttempt(notification_id=job.id, at=now, route=redact(url), ok=error is None, error=error))
        if error is None:
            delivered.append(_route_id(url))
        else:
            errors.append(f"{redact(url)}: {error}")
    if not job.routes:  # recorded as an attempt too: when it failed is what the coordinators' digest goes by
        errors.append("ingen kontaktväg: varken e-post (SAMVERKAN_SMTP_URL) eller kontaktvägar i organisationsfilen")
        session.add(DeliveryAttempt(notification_id=job.id, at=now, route="", ok=False, error=errors[-1]))
    notification.delivered_routes, notification.claimed_at = delivered, None
    retry_at = next_attempt(notification.attempts, now) if job.routes else None
    if not errors:
        notification.status, notification.sent_at, notification.last_error = NotificationStatus.SENT, now, None
        report.sent += 1
    elif retry_at is None:  # the schedule has run out: failed until re-queued; the coordinators' digest tells
        notification.status, notification.last_error = NotificationStatus.FAILED, "; ".join(errors)
        report.failed += 1
    else:
        notification.status, notification.last_error = NotificationStatus.PENDING, "; ".join(errors)
        notification.next_attempt_at = retry_at
        report.retrying += 1
    session.add(notification)
    report.per_recipient.append(
        {
            "id": job.id,
            "to": person.email if person else f"organ {notification.body_id}",
            "status": notification.status,
            "routes": [redact(u) for u, _ in job.results],
            "error": notification.last_error,
        }
    )


def _route_id(url_template: str) -> str:
    """A stable identity of a route that is safe to store: scheme, host and a hash of the template."""
    return f"{redact(url_template)}#{hashlib.sha256(url_template.encode()).hexdigest()[:12]}"
