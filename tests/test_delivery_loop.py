"""The delivery loop the hourly `leverans` run keeps going: what is committed goes out within seconds, and an
interruption (SIGTERM as Prefect raises it in the flow's thread) stops it cleanly, nothing claimed and lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import utcnow
from samverkan.database import session_scope
from samverkan.models import Notification, Organisation, Person
from samverkan.notifications.delivery import deliver_continuously, deliver_until, loop_end
from tests.receivers import SmtpServer
from tests.test_delivery import fagersta
from tests.test_outage import queue_messages, statuses


def commit_one(engine: Engine, key: str) -> None:
    """One urgent message committed now, as a service commits it with the change that causes it."""
    now = utcnow()
    with session_scope(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        person = session.exec(select(Person).where(Person.email == "maria.exempelsson@fagersta.example")).one()
        session.add(
            Notification(
                idempotency_key=key,
                organisation_id=org.id or 0,
                kind="meddelande",
                person_id=person.id,
                urgent=True,
                subject=f"Meddelande {key}",
                body_text="Hej,\n\nNu.",
                not_before=now,
                created_at=now,
            )
        )


def test_the_loop_sends_what_is_committed_within_seconds(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    stop = threading.Event()
    loop = threading.Thread(target=deliver_continuously, args=(engine,), kwargs={"stop": stop, "poll_seconds": 0.5})
    loop.start()
    try:
        waits = []
        for number in range(3):
            time.sleep(0.3 * number)
            commit_one(engine, f"fagersta:loop:{number}")
            committed = time.monotonic()
            while len(smtp_settings.received) <= number and time.monotonic() - committed < 30:
                time.sleep(0.05)
            waits.append(time.monotonic() - committed)
    finally:
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()  # the stop is honoured at once
    assert len(smtp_settings.received) == 3 and max(waits) < 10, waits  # the poll, then one pass
    assert statuses(engine) == {"skickad": 3}


def test_the_loop_ends_when_its_hour_is_up(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    began = time.monotonic()
    report = deliver_until(engine, utcnow() + timedelta(seconds=2))
    assert time.monotonic() - began < 15 and report.sent == 0
    assert loop_end(datetime(2027, 1, 12, 9, 20, tzinfo=UTC)) == datetime(2027, 1, 12, 9, 59, 45, tzinfo=UTC)
    assert loop_end(datetime(2027, 1, 12, 9, 59, 50, tzinfo=UTC)) < datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


class Interrupted(Exception):
    """What Prefect's SIGTERM bridge raises in the flow's thread (TerminationSignal), here from SIGUSR1."""


@pytest.fixture
def interruptible() -> Iterator[None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, handler)
    yield
    signal.signal(signal.SIGUSR1, previous)


def test_an_interrupted_loop_records_what_it_sent_and_releases_the_rest(
    engine: Engine, smtp_settings: SmtpServer, interruptible: None
) -> None:
    fagersta(engine)
    queue_messages(engine, 400, utcnow() - timedelta(minutes=1), tag="u")
    with session_scope(engine) as session:  # urgent: whatever the day the test runs on
        for notification in session.exec(select(Notification)).all():
            notification.urgent = True
            session.add(notification)

    def interrupt_when_sending() -> None:
        while len(smtp_settings.received) < 20:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGUSR1)  # to the main thread, which is waiting in deliver_until

    threading.Thread(target=interrupt_when_sending, daemon=True).start()
    with pytest.raises(Interrupted):
        deliver_until(engine, utcnow() + timedelta(minutes=10))
    assert not [t for t in threading.enumerate() if t.name == "samverkan-leveransslinga" and t.is_alive()]
    counts = statuses(engine)
    assert "skickas" not in counts  # nothing left claimed: recorded, or released for the next run
    assert counts.get("skickad", 0) == len(smtp_settings.received) < 400  # every mail that went out is recorded
    assert counts.get("vantar", 0) == 400 - len(smtp_settings.received)
    with Session(engine) as session:
        waiting = session.exec(select(Notification).where(Notification.status == "vantar")).all()
    assert {n.attempts for n in waiting} == {0}  # released as they were, not counted as failed attempts
