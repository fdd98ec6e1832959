"""Stopping reminders that are no longer owed, in the transaction of the change that ends the need."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from samverkan.models import Notification
from samverkan.models.enums import NotificationStatus


def stop_reminders(session: Session, related_type: str, related_id: int, reason: str) -> int:
    """Take pending reminders and escalations about a finished thing off the outbox at once (delivery
    would stop them too, just before sending). Returns how many were stopped."""
    result = session.execute(
        update(Notification)
        .where(
            col(Notification.related_type) == related_type,
            col(Notification.related_id) == related_id,
            col(Notification.status) == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=f"stoppad: {reason}")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
