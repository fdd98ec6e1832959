"""When to try a message again, and putting failed messages back in the queue.

The waits come from SAMVERKAN_RETRY_SCHEDULE (e.g. `1m,5m,15m,1h,2h,4h,8h,12h`, the default: nine attempts over
27 hours, so a receiver down for a whole day still gets everything). A message that has used the whole schedule
is `misslyckad`, which is never final: `samverkan outbox retry` or the delivery log's button re-queues it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM
from samverkan.models import DeliveryAttempt, Notification
from samverkan.models.enums import NotificationStatus

_STEP = re.compile(r"\s*(\d{1,6})\s*([smhd])\s*")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleError(ValueError):
    """SAMVERKAN_RETRY_SCHEDULE cannot be read; nothing is claimed or sent until it is fixed."""


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """`1m,5m,2h` → the waits after the first, second, third failed attempt."""
    waits = []
    for step in text.split(","):
        found = _STEP.fullmatch(step)
        if found is None or int(found[1]) == 0:
            raise ScheduleError(
                f"SAMVERKAN_RETRY_SCHEDULE: '{step.strip()}' är ingen väntetid; skriv t.ex. 1m,5m,15m,1h,2h,4h,8h,12h"
            )
        waits.append(timedelta(seconds=int(found[1]) * _UNIT[found[2]]))
    return tuple(waits)


def retry_schedule() -> tuple[timedelta, ...]:
    return parse_schedule(get_settings().retry_schedule)


def max_attempts() -> int:
    """Attempts before a message is `misslyckad`: the first one and one after each wait of the schedule."""
    return len(retry_schedule()) + 1


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None when the schedule has run out."""
    schedule = retry_schedule()
    return now + schedule[attempts - 1] if attempts <= len(schedule) else None


@dataclass(frozen=True)
class Selection:
    """Which failed messages to re-queue: by id, by kind, failed since a day, in one organisation; any mix."""

    organisation_id: int | None = None
    ids: tuple[int, ...] = ()
    kind: str | None = None
    since: date | None = None


def requeue_failed(session: Session, selection: Selection, now: datetime) -> list[int]:
    """Put the selected `misslyckad` messages back in the queue for a fresh run of the schedule.

    Routes that already took a message keep it (they are not sent to again); the last error stays visible
    until the next attempt replaces it."""
    query = select(Notification).where(Notification.status == NotificationStatus.FAILED)
    if selection.organisation_id is not None:
        query = query.where(Notification.organisation_id == selection.organisation_id)
    if selection.ids:
        query = query.where(col(Notification.id).in_(selection.ids))
    if selection.kind:
        query = query.where(Notification.kind == selection.kind)
    if selection.since is not None:
        start = datetime.combine(selection.since, datetime.min.time(), tzinfo=STOCKHOLM)
        tried_since = exists().where(
            col(DeliveryAttempt.notification_id) == col(Notification.id), col(DeliveryAttempt.at) >= start
        )
        query = query.where(or_(tried_since, col(Notification.created_at) >= start))
    requeued = []
    for notification in session.exec(query.order_by(col(Notification.id))).all():
        notification.status, notification.attempts = NotificationStatus.PENDING, 0
        notification.next_attempt_at, notification.claimed_at = now, None
        session.add(notification)
        if notification.id is not None:
            requeued.append(notification.id)
    return requeued
