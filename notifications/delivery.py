"""Delivering the outbox through Apprise: claim, re-check, send per route, record, retry with backoff.

Guarantee (at-least-once, with the idempotency key as the only way a duplicate can look different from a
new message): a notification is claimed (status `skickas`) and committed before anything is sent. Each
route that accepts it is recorded; the notification is `skickad` when every route has it. If the process
dies after a route accepted a message but before that was recorded, the claim expires (RECLAIM_AFTER) and
that route gets the message again, carrying the same `X-Samverkan-Id` header (e-mail) or the same
`idempotency_key` (JSON), so a receiver can drop the copy. Nothing is ever dropped silently: a notification
that keeps failing becomes `misslyckad` and its coordinator is told (`leveransproblem`).
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.database import session_scope
from samverkan.models import ContactRoute, DeliveryAttempt, Notification, Organisation, Person, Role
from samverkan.models.enums import NotificationStatus, Related
from samverkan.notifications.attachments import attachable
from samverkan.notifications.owed import why_not_owed
from samverkan.notifications.sender import sender_parameters
from samverkan.orgconfig.routes import (
    MissingSecretError,
    channel_of,
    env_references,
    redact,
    resolve,
    secret_values,
)
from samverkan.roles import address
from samverkan.roles.holding import holders
from samverkan.scheduling.actions import Action, is_digestible, is_urgent
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.templates.rendering import render

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (60, 300, 900, 3600)
RECLAIM_AFTER = timedelta(minutes=15)
BATCH = 100  # claimed, sent and recorded together
DELIVER_FROM = time(8, 0)
URGENT_TAG = "bradskande"
NO_CASCADE = Action.LEVERANSPROBLEM.value


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    postponed: int = 0
    reclaimed: int = 0
    per_recipient: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "postponed": self.postponed,
            "reclaimed": self.reclaimed,
            "per_recipient": self.per_recipient,
        }


class LazyCertificatesContext(ssl.SSLContext):
    """A verifying TLS client context that reads the system CA bundle on its first handshake, not when made.

    Apprise 1.13 builds `ssl.create_default_context()` for every e-mail, even over plain SMTP, and loading the
    CA bundle costs ~25 ms each time: most of a message's cost. Verification is unchanged: a context that
    verifies loads the certificates before it wraps a socket; one set to CERT_NONE never needs them.
    """

    _certificates_loaded = False

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if self.verify_mode != ssl.CERT_NONE and not self._certificates_loaded:
            self.load_default_certs()
            self._certificates_loaded = True
        return super().wrap_socket(*args, **kwargs)


def lazy_default_context(purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, **_: Any) -> ssl.SSLContext:
    if purpose != ssl.Purpose.SERVER_AUTH:
        return ssl.create_default_context(purpose)
    return LazyCertificatesContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname, as the default


@lru_cache
def _quiet_apprise() -> Any:
    """Apprise for bulk sending: the e-mail plugin's built-in 4.4 s pause between messages switched off (pacing
    is the SMTP server's business), and its TLS context made lazily (see LazyCertificatesContext)."""
    import types

    import apprise
    from apprise.plugins.email import NotifyEmail
    from apprise.plugins.email import base as email_base

    NotifyEmail.request_rate_per_sec = 0
    shim = types.ModuleType("ssl")
    shim.__dict__.update({name: getattr(ssl, name) for name in dir(ssl) if not name.startswith("__")})
    shim.create_default_context = lazy_default_context  # type: ignore[attr-defined]
    email_base.ssl = shim  # type: ignore[attr-defined]
    return apprise


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


def _send(url_template: str, notification: Notification, html: str, sender_query: str = "") -> str | None:
    """Send over one route (an e-mail with the `sender_query` parameters); None on success, else the reason (never
    containing a secret)."""
    apprise = _quiet_apprise()
    email = channel_of(url_template).value == "email"
    try:
        url = resolve(url_template + sender_query if email else url_template)
    except (MissingSecretError, ValueError) as exc:  # a missing variable or a malformed secrets file
        return str(exc)
    sender = apprise.Apprise()
    if not sender.add(url):
        return f"Apprise känner inte igen adressen ({redact(url_template)})"
    attachments = [attachable(Path(a)) for a in notification.attachments if Path(a).is_file()]
    with apprise.LogCapture(level=logging.WARNING) as log:
        ok = sender.notify(
            title=notification.subject,
            body=html if email else notification.body_text,
            body_format=apprise.NotifyFormat.HTML if email else apprise.NotifyFormat.TEXT,
            attach=attachments or None,
        )
    if ok:
        return None
    reason = " ".join(line.split(" - ", 2)[-1] for line in log.getvalue().strip().splitlines()[-2:])
    secrets = secret_values()
    for name in env_references(url_template):  # a receiver's error may echo the URL: no secret may reach the log
        value = secrets.get(name)
        if value:
            reason = reason.replace(value, "***")
    return reason or "mottagaren tog inte emot meddelandet"


def _problem_for_coordinators(session: Session, notification: Notification, error: str, now: datetime) -> int:
    """A notification that could not be delivered goes to the organisation's coordinators instead of vanishing."""
    if notification.kind == NO_CASCADE:
        return 0
    org = session.get(Organisation, notification.organisation_id)
    person = session.get(Person, notification.person_id) if notification.person_id else None
    who = person.name if person else "organets kanal"
    today = now.astimezone(STOCKHOLM).date()
    created = 0
    for role in session.exec(
        select(Role).where(Role.organisation_id == notification.organisation_id, Role.function == "samordnare")
    ).all():
        for coordinator in holders(session, role, today):
            key = f"{notification.idempotency_key}:{NO_CASCADE}:{coordinator.id}"
            if session.exec(select(Notification.id).where(Notification.idempotency_key == key)).first():
                continue
            session.add(
                Notification(
                    idempotency_key=key,
                    organisation_id=notification.organisation_id,
                    kind=NO_CASCADE,
                    person_id=coordinator.id,
                    role_key=role.key,
                    subject=f"Leveransproblem: '{notification.subject}' kom inte fram till {who}",
                    body_text=(
                        f"{address.greeting(session, role, org.name if org else '')},\n\n"
                        f"Meddelandet '{notification.subject}' till {who} kunde inte levereras efter "
                        f"{notification.attempts} försök.\n\nSenaste fel: {error}\n\nKontrollera kontaktvägen "
                        f"i organisationsfilen och kontakta mottagaren på annat sätt."
                    ),
                    related_type=Related.NOTIFICATION,
                    related_id=notification.id,
                    not_before=now,
                    created_at=now,
                )
            )
            created += 1
    return created


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
    for start in range(0, len(ids), BATCH):
        jobs = _claim(engine, ids[start : start + BATCH], now, report)
        _send_all(jobs, workers)
        _record(engine, jobs, now, report)
    return report


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
            routes = [r for r in routes_for(session, notification) if _route_id(r) not in notification.delivered_routes]
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


def _send_all(jobs: list[_Job], workers: int) -> None:
    """Send concurrently, outside any transaction: a slow receiver holds no locks and delays no one else."""

    def send(job: _Job) -> None:
        job.results = [(url, _send(url, job.message, job.html, job.sender)) for url in job.routes]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(send, jobs))


def _record(engine: Engine, jobs: list[_Job], now: datetime, report: DeliveryReport) -> None:
    """Record every attempt and decide each notification's state, in one transaction."""
    with session_scope(engine) as session:
        for job in jobs:
            notification = session.get(Notification, job.id)
            assert notification is not None
            person = session.get(Person, notification.person_id) if notification.person_id else None
            delivered, errors = list(notification.delivered_routes), []
            for url, error in job.results:
                session.add(
                    DeliveryAttempt(notification_id=job.id, at=now, route=redact(url), ok=error is None, error=error)
                )
                if error is None:
                    delivered.append(_route_id(url))
                else:
                    errors.append(f"{redact(url)}: {error}")
            if not job.routes:
                errors.append(
                    "ingen kontaktväg: varken e-post (SAMVERKAN_SMTP_URL) eller kontaktvägar i organisationsfilen"
                )
            notification.delivered_routes, notification.claimed_at = delivered, None
            if not errors:
                notification.status, notification.sent_at, notification.last_error = NotificationStatus.SENT, now, None
                report.sent += 1
            elif notification.attempts >= MAX_ATTEMPTS or not job.routes:
                notification.status, notification.last_error = NotificationStatus.FAILED, "; ".join(errors)
                report.failed += 1
                _problem_for_coordinators(session, notification, notification.last_error, now)
            else:
                wait = BACKOFF_SECONDS[min(notification.attempts - 1, len(BACKOFF_SECONDS) - 1)]
                notification.status, notification.last_error = NotificationStatus.PENDING, "; ".join(errors)
                notification.next_attempt_at = now + timedelta(seconds=wait)
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
