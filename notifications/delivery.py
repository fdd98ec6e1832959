"""Delivering the outbox: claim, re-check, send per route, record, retry on a schedule.

A pass claims due notifications in batches (CLAIM_BATCH rows in one UPDATE ... RETURNING, status `skickas`,
committed before anything is sent), prepares the batch with a handful of queries (people, routes, what the
reminders are about, working days, senders), and hands the sends to notifications.sending: e-mail in SMTP_LANES
lanes per mail server, each a thread with one SMTP connection for the whole pass, every other route on a pool of
threads. Messages are recorded as their sends return: what returns within RECORD_WINDOW in one transaction (one
INSERT of the attempts and one UPDATE of the rows).

Guarantee (at-least-once, and a copy is recognisable as one): each route that accepts a message is recorded; the
notification is `skickad` when every route has it. If the process dies after a route accepted a message but
before that was recorded, the claim expires (RECLAIM_AFTER) and that route gets the message again: only the
messages sent since the last record. Claimed messages not yet sent wait for the claim to expire too (at most two
batches). A copy carries the same `X-Samverkan-Id` header (e-mail and webhooks) and, on e-mail, the same
Message-ID (derived from the idempotency key), so a mail server or receiver can drop it. Failed attempts are
retried on SAMVERKAN_RETRY_SCHEDULE (more than a day by default); what still fails becomes `misslyckad` until
re-queued, and the coordinators hear of it in one digest a day (notifications.problems).
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import queue
import re
import threading
import time as clock
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape
from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.database import session_scope
from samverkan.models import ContactRoute, DeliveryAttempt, Notification, Organisation, Person
from samverkan.models.enums import NotificationStatus
from samverkan.notifications.owed import preload_related, why_not_owed
from samverkan.notifications.problems import avoiding_failed_routes, make_problem_digests
from samverkan.notifications.retry import next_attempt, retry_schedule
from samverkan.notifications.sender import sender_parameters
from samverkan.notifications.sending import HALTED, Outgoing, Sender, send_one
from samverkan.orgconfig.routes import channel_of, redact
from samverkan.scheduling.actions import Action, is_digestible, is_urgent
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.templates.rendering import render

RECLAIM_AFTER = timedelta(minutes=15)
POLL_SECONDS = 2.0  # the loop asks the outbox this often whether anything is due
LOOP_ENDS_BEFORE_THE_HOUR = timedelta(seconds=15)  # the hourly run after it starts without waiting for this one
HOUSEKEEPING = timedelta(minutes=5)  # and runs a full pass (reclaims, digests, problem reports) at least this often
RECORD_WINDOW = 0.1  # seconds: what returns within it is recorded in one transaction
CLAIM_BATCH = 100  # rows claimed in one statement; the next batch is claimed when half of one is recorded
SMTP_LANES = 2  # connections to one mail server in a pass: one waits for the server while the other sends
DELIVER_FROM = time(8, 0)
URGENT_TAG = "bradskande"
NO_ROUTE = "ingen kontaktväg: varken e-post (SAMVERKAN_SMTP_URL) eller kontaktvägar i organisationsfilen"


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
    return _Routes(session, [notification]).of(notification)


class _Routes:
    """The routes of a batch of notifications, read in two queries: the people, and their and the bodies' routes."""

    def __init__(self, session: Session, notifications: list[Notification]) -> None:
        person_ids = {n.person_id for n in notifications if n.person_id is not None}
        body_ids = {n.body_id for n in notifications if n.body_id is not None}
        org_ids = {n.organisation_id for n in notifications}
        self.people: dict[int, Person] = {}
        if person_ids:
            self.people = {
                saved_id(p): p for p in session.exec(select(Person).where(col(Person.id).in_(person_ids))).all()
            }
        self.routes: dict[tuple[int, str, int | None], list[ContactRoute]] = {}
        if person_ids or body_ids:
            owners = col(ContactRoute.person_id).in_(person_ids) | col(ContactRoute.body_id).in_(body_ids)
            for route in session.exec(
                select(ContactRoute)
                .where(col(ContactRoute.organisation_id).in_(org_ids), owners)
                .order_by(col(ContactRoute.id))
            ).all():
                if route.person_id is not None:
                    self.routes.setdefault((route.organisation_id, "person", route.person_id), []).append(route)
                if route.body_id is not None:
                    self.routes.setdefault((route.organisation_id, "body", route.body_id), []).append(route)

    def of(self, notification: Notification) -> list[str]:
        urls: list[str] = []
        person = self.people.get(notification.person_id) if notification.person_id else None
        if person is not None:
            email = email_route(person, notification.idempotency_key)
            if email:
                urls.append(email)
            owner = (notification.organisation_id, "person", person.id)
        else:
            owner = (notification.organisation_id, "body", notification.body_id)
        for route in self.routes.get(owner, []):
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


_LINK = re.compile(r"https?://[^\s<>\"']+")


def _linked(line: str) -> Markup:
    """One line of a message as HTML: escaped, its web addresses made links (trailing punctuation left out)."""
    parts, end = [], 0
    for found in _LINK.finditer(line):
        url = found[0].rstrip(".,;:!?)")
        parts.append(escape(line[end : found.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener">{0}</a>').format(url))
        end = found.start() + len(url)
    parts.append(escape(line[end:]))
    return Markup("").join(parts)


def _html(notification: Notification) -> str:
    paragraphs = [
        [_linked(line) for line in paragraph.split("\n")] for paragraph in notification.body_text.split("\n\n")
    ]
    return render("messages/email.html.j2", paragraphs=paragraphs)


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
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """One delivery pass over what is due. Safe to run in several processes at once (claims are atomic).
    `workers`: sends at once; e-mail to one mail server uses at most min(SMTP_LANES, workers) connections.
    `stop`: once set, nothing more is claimed or sent; what is in flight is recorded, the rest released."""
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
        query = select(col(Notification.id)).where(*_due(now)).order_by(col(Notification.id)).limit(limit)
        if only_ids is not None:
            query = query.where(col(Notification.id).in_(only_ids))
        ids = [i for i in session.exec(query).all() if i is not None]
    sender = Sender()
    try:
        _Pass(engine, now, workers, report, sender, stop or threading.Event()).run(ids)
    finally:
        sender.close()
    if only_ids is None:  # after this pass's records, so today's digest names what failed in it
        with session_scope(engine) as session:
            report.problem_digests = make_problem_digests(session, now)
    return report


def _due(now: datetime) -> tuple[Any, ...]:
    """SQL: the notification is waiting and its time has come."""
    return (
        col(Notification.status) == NotificationStatus.PENDING,
        col(Notification.not_before) <= now,
        col(Notification.next_attempt_at).is_(None) | (col(Notification.next_attempt_at) <= now),
    )


def anything_due(engine: Engine, now: datetime | None = None) -> bool:
    """Whether a pass would find work: one indexed query (the outbox's status index), cheap enough to ask often."""
    with Session(engine) as session:
        return session.exec(select(col(Notification.id)).where(*_due(now or utcnow())).limit(1)).first() is not None


def deliver_continuously(
    engine: Engine,
    until: datetime | None = None,
    stop: threading.Event | None = None,
    poll_seconds: float = POLL_SECONDS,
    on_pass: Callable[[DeliveryReport], None] | None = None,
) -> DeliveryReport:
    """Deliver as the outbox fills, until `until` (or until `stop` is set): a pass whenever the cheap poll finds
    something due and at least every HOUSEKEEPING, a pass again at once while passes find work. A pass in progress
    when `stop` is set records what is in flight and releases the rest. Returns the totals; `on_pass` hears
    of each pass that did anything. A database that does not answer is waited for, not given up on."""
    stop = stop or threading.Event()
    totals = DeliveryReport()
    last_pass: float | None = None
    while not stop.is_set() and (until is None or utcnow() < until):
        busy = False
        try:
            if (
                last_pass is None
                or clock.monotonic() - last_pass >= HOUSEKEEPING.total_seconds()
                or anything_due(engine)
            ):
                report = deliver_pending(engine, stop=stop)
                last_pass = clock.monotonic()
                _add(totals, report)
                busy = bool(report.sent or report.retrying or report.failed or report.cancelled or report.postponed)
                if on_pass is not None and (busy or report.reclaimed or report.problem_digests):
                    on_pass(report)
        except OperationalError as exc:  # the database is away: try again in a while
            logging.getLogger(__name__).warning("leverans: databasen svarar inte (%s)", str(exc).splitlines()[0])
            stop.wait(30)
            continue
        if not busy:
            stop.wait(
                poll_seconds if until is None else max(0.0, min(poll_seconds, (until - utcnow()).total_seconds()))
            )
    return totals


def loop_end(now: datetime) -> datetime:
    """When a delivery loop started at `now` hands over to the next hourly run: just before the next whole hour
    (whole hours are the same in UTC and Europe/Stockholm)."""
    return (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0) - LOOP_ENDS_BEFORE_THE_HOUR


def deliver_until(
    engine: Engine, until: datetime, on_pass: Callable[[DeliveryReport], None] | None = None
) -> DeliveryReport:
    """`deliver_continuously` on a thread of its own, stopped cleanly whenever the calling thread is interrupted
    (SIGTERM as Prefect raises it, Ctrl-C): the pass in progress finishes its sends and records them, then the
    exception goes on. Context variables (a Prefect run's logger) go with it."""
    stop, done = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def loop() -> None:
        try:
            outcome["report"] = deliver_continuously(engine, until, stop, on_pass=on_pass)
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc
        finally:
            done.set()

    # waited for with an Event, not Thread.join: a signal handler raising inside join marks the thread as stopped
    # while it still runs (Python 3.11, bpo-45274), and the wait for its last records would end at once
    thread = threading.Thread(target=contextvars.copy_context().run, args=(loop,), name="samverkan-leveransslinga")
    thread.start()
    try:
        while not done.wait(timeout=1.0):
            pass
    except BaseException:
        stop.set()
        done.wait(timeout=120)
        raise
    if "error" in outcome:
        raise outcome["error"]
    report: DeliveryReport = outcome["report"]
    return report


def _add(totals: DeliveryReport, report: DeliveryReport) -> None:
    for name in ("sent", "retrying", "failed", "cancelled", "postponed", "reclaimed", "problem_digests"):
        setattr(totals, name, getattr(totals, name) + getattr(report, name))


@dataclass
class _Job:
    """One claimed notification on its way out: what to send where, and what came back."""

    id: int
    routes: list[str]
    message: Outgoing
    html: str
    sender: str = ""  # an e-mail's sender name, Reply-To and headers (sender_parameters)
    attempts: int = 0
    delivered: list[str] = field(default_factory=list)
    next_attempt_at: datetime | None = None
    to: str = ""
    results: list[tuple[str, str | None]] = field(default_factory=list)
    pending: int = 0


class _Pass:
    """The sending of one pass: claims in batches, e-mail lanes (SMTP_LANES threads per mail server, each in order
    over its connection), a pool for the other routes, and records written as sends return."""

    def __init__(
        self, engine: Engine, now: datetime, workers: int, report: DeliveryReport, sender: Sender, stop: threading.Event
    ) -> None:
        self.engine, self.now, self.report, self.sender, self.stop = engine, now, report, sender, stop
        self.workers = max(1, workers)
        self.returned: queue.Queue[tuple[_Job, int, str | None]] = queue.Queue()
        self.lanes: dict[str, ThreadPoolExecutor] = {}
        self.in_flight = 0
        self.mails = 0

    def run(self, ids: list[int]) -> None:
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="samverkan-leverans")
        try:
            position = 0
            while True:
                while position < len(ids) and self.in_flight <= CLAIM_BATCH // 2 and not self.stop.is_set():
                    batch = ids[position : position + CLAIM_BATCH]
                    position += len(batch)
                    for job in _claim(self.engine, batch, self.now, self.report):
                        self._dispatch(job, pool)
                if self.in_flight == 0:
                    return
                self._record_returned()
        finally:
            pool.shutdown(wait=True)
            for lane in self.lanes.values():
                lane.shutdown(wait=True)

    def _dispatch(self, job: _Job, pool: ThreadPoolExecutor) -> None:
        self.in_flight += 1
        job.results = [(url, None) for url in job.routes]
        job.pending = len(job.routes)
        if not job.routes:
            self.returned.put((job, -1, None))
            return
        for index, url in enumerate(job.routes):
            if channel_of(url).value == "email":  # SMTP_LANES per mail server, each its one connection, in order
                self.mails += 1
                key = f"{url.partition('?')[0]}#{self.mails % min(SMTP_LANES, self.workers)}"
                lane = self.lanes.get(key) or self.lanes.setdefault(
                    key, ThreadPoolExecutor(max_workers=1, thread_name_prefix="samverkan-smtp")
                )
                lane.submit(self._send, job, index)
            else:
                pool.submit(self._send, job, index)

    def _send(self, job: _Job, index: int) -> None:
        url = job.routes[index]
        try:
            error = HALTED if self.stop.is_set() else send_one(self.sender, url, job.message, job.html, job.sender)
        except Exception as exc:  # a fault of ours must not lose the claim's record
            error = f"internt fel vid sändning: {type(exc).__name__}"
        self.returned.put((job, index, error))

    def _record_returned(self) -> None:
        """Wait for a send to return, then gather what returns within RECORD_WINDOW and record every message whose
        sends have all returned, in one transaction (so a crash re-sends at most what a window held)."""
        finished: list[_Job] = []
        item: tuple[_Job, int, str | None] | None = self.returned.get()
        closes = clock.monotonic() + RECORD_WINDOW
        while item is not None:
            job, index, error = item
            if index >= 0:
                job.results[index] = (job.routes[index], error)
                job.pending -= 1
            if job.pending <= 0:
                finished.append(job)
            try:
                item = self.returned.get(timeout=max(0.0, closes - clock.monotonic()))
            except queue.Empty:
                item = None
        if finished:
            with session_scope(self.engine) as session:
                _record(session, finished, self.now, self.report)
            self.in_flight -= len(finished)


def _claim(engine: Engine, ids: list[int], now: datetime, report: DeliveryReport) -> list[_Job]:
    """Claim a batch in one statement and prepare it, in one committed transaction, before anything is sent."""
    jobs: list[_Job] = []
    local_day = now.astimezone(STOCKHOLM).date()
    with session_scope(engine) as session:
        claimed = (
            session.execute(
                update(Notification)
                .where(col(Notification.id).in_(ids), col(Notification.status) == NotificationStatus.PENDING)
                .values(status=NotificationStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
                .returning(col(Notification.id))
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
        if not claimed:  # another sender has them
            return jobs
        notifications = list(
            session.exec(
                select(Notification).where(col(Notification.id).in_(claimed)).order_by(col(Notification.id))
            ).all()
        )
        preload_related(session, notifications)
        routes = _Routes(session, notifications)
        calendars: dict[int, WorkCalendar] = {}
        senders: dict[int, str] = {}  # per organisation: its coordinators are looked up once a batch
        for notification in notifications:
            reason = why_not_owed(session, notification)
            if reason is not None:
                notification.status, notification.last_error = NotificationStatus.CANCELLED, f"stoppad: {reason}"
                notification.claimed_at = None
                session.add(notification)
                report.cancelled += 1
                continue
            org_id = notification.organisation_id
            calendar = calendars.get(org_id) or calendars.setdefault(org_id, _working_calendar(session, org_id))
            if _hold_until_working_day(calendar, notification, local_day):
                session.add(notification)
                report.postponed += 1
                continue
            sender = senders.get(org_id) or senders.setdefault(
                org_id, sender_parameters(session, notification, local_day)
            )
            jobs.append(_job(session, notification, routes, sender))
    return jobs


def _job(session: Session, notification: Notification, routes: _Routes, sender: str) -> _Job:
    """One claimed notification made ready to send: the routes it has not reached yet, its words and its sender."""
    wanted = avoiding_failed_routes(session, notification, routes.of(notification))
    person = routes.people.get(notification.person_id) if notification.person_id else None
    message = Outgoing(
        notification.idempotency_key,
        notification.subject,
        notification.body_text,
        tuple(notification.attachments),
    )
    return _Job(
        id=saved_id(notification),
        routes=[r for r in wanted if _route_id(r) not in notification.delivered_routes],
        message=message,
        html=_html(notification),
        sender=sender,
        attempts=notification.attempts,
        delivered=list(notification.delivered_routes),
        next_attempt_at=notification.next_attempt_at,
        to=person.email if person and person.email else f"organ {notification.body_id}",
    )


def _hold_until_working_day(calendar: WorkCalendar, notification: Notification, local_day: date) -> bool:
    """Put a notification back until the next working day, unless it is urgent or that day would be after the
    event or deadline it is about (then it goes out now: never held past what it is about)."""
    if is_urgent(notification.kind, notification.urgent):
        return False
    if calendar.is_working_day(local_day, observe_breaks=False):
        return False
    next_day = calendar.next_working_day(local_day, observe_breaks=False)
    action = Action.from_code(notification.kind)
    if notification.due_on is not None and next_day > notification.due_on and not (action and action.after_event):
        return False
    notification.status, notification.attempts = NotificationStatus.PENDING, notification.attempts - 1
    notification.not_before = datetime.combine(next_day, DELIVER_FROM, tzinfo=STOCKHOLM)
    notification.claimed_at = None
    return True


def _record(session: Session, jobs: list[_Job], now: datetime, report: DeliveryReport) -> None:
    """Record messages whose sends have returned: their attempts in one INSERT, their rows in one UPDATE. A message
    none of whose routes was tried (the pass was stopped) goes back to the queue as it was."""
    attempts: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    released: list[int] = []
    for job in jobs:
        if job.routes and all(error == HALTED for _, error in job.results):
            released.append(job.id)
            continue
        delivered, errors = list(job.delivered), []
        for url, error in job.results:
            attempts.append(
                {"notification_id": job.id, "at": now, "route": redact(url), "ok": error is None, "error": error}
            )
            if error is None:
                delivered.append(_route_id(url))
            else:
                errors.append(f"{redact(url)}: {error}")
        if not job.routes:  # recorded as an attempt too: when it failed is what the coordinators' digest goes by
            errors.append(NO_ROUTE)
            attempts.append({"notification_id": job.id, "at": now, "route": "", "ok": False, "error": errors[-1]})
        row: dict[str, Any] = {"id": job.id, "delivered_routes": delivered, "claimed_at": None, "sent_at": None}
        row.update(last_error="; ".join(errors) or None, next_attempt_at=job.next_attempt_at)
        retry_at = next_attempt(job.attempts, now) if job.routes else None
        if not errors:
            row.update(status=NotificationStatus.SENT, sent_at=now)
            report.sent += 1
        elif retry_at is None:  # the schedule has run out: failed until re-queued; the coordinators' digest tells
            row.update(status=NotificationStatus.FAILED)
            report.failed += 1
        else:
            row.update(status=NotificationStatus.PENDING, next_attempt_at=retry_at)
            report.retrying += 1
        rows.append(row)
        report.per_recipient.append(
            {
                "id": job.id,
                "to": job.to,
                "status": row["status"],
                "routes": [redact(u) for u, _ in job.results],
                "error": row["last_error"],
            }
        )
    if attempts:
        session.execute(insert(DeliveryAttempt), attempts)  # one executemany
    if rows:
        session.execute(update(Notification), rows)  # one executemany by primary key
    if released:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_(released), col(Notification.status) == NotificationStatus.SENDING)
            .values(status=NotificationStatus.PENDING, claimed_at=None, attempts=Notification.attempts - 1)
            .execution_options(synchronize_session=False)
        )


def _route_id(url_template: str) -> str:
    """A stable identity of a route that is safe to store: scheme, host and a hash of the template."""
    return f"{redact(url_template)}#{hashlib.sha256(url_template.encode()).hexdigest()[:12]}"
