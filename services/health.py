"""Is the service well? The database answers, its schema is the program's, and the sweep ran recently; and
the counts an operator watches (sweeps, the outbox by status, delivery attempts). Aggregates only: no names,
no addresses, no message text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.core.timeutil import utcnow
from samverkan.database import current_revision, head_revision
from samverkan.models import DeliveryAttempt, Notification, SweepRecord

SWEEP_STALE_AFTER = timedelta(hours=26)  # the daily sweeps run between 06:30 and 07:00; one missed morning


@dataclass
class Health:
    database: bool
    schema_current: str | None = None
    schema_head: str | None = None
    last_sweep_at: datetime | None = None
    last_sweep_day: str | None = None
    error: str | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def schema_ok(self) -> bool:
        return self.database and self.schema_current == self.schema_head

    @property
    def sweep_age(self) -> timedelta | None:
        return self.now - self.last_sweep_at if self.last_sweep_at else None

    @property
    def sweep_stale(self) -> bool:
        age = self.sweep_age
        return age is None or age > SWEEP_STALE_AFTER

    @property
    def ok(self) -> bool:
        """Fit to serve requests: what a load balancer asks. A stale sweep is reported, not a failure here."""
        return self.database and self.schema_ok

    def to_dict(self) -> dict[str, Any]:
        age = self.sweep_age
        return {
            "status": "ok" if self.ok else "fel",
            "database": "ok" if self.database else "fel",
            "schema": {"current": self.schema_current, "head": self.schema_head, "ok": self.schema_ok},
            "sweep": {
                "last_finished_at": self.last_sweep_at.isoformat() if self.last_sweep_at else None,
                "last_day": self.last_sweep_day,
                "age_seconds": int(age.total_seconds()) if age is not None else None,
                "stale": self.sweep_stale,
            },
            "error": self.error,
        }


def check(engine: Engine) -> Health:
    """Never raises: an unreachable database is an answer, not an error."""
    head = head_revision()
    try:
        current = current_revision(engine)
        with Session(engine) as session:
            latest = session.exec(select(SweepRecord).order_by(col(SweepRecord.finished_at).desc())).first()
    except Exception as exc:  # any driver error means: not reachable, or not ours
        return Health(database=False, schema_head=head, error=str(exc).splitlines()[0][:200] if str(exc) else None)
    return Health(
        database=True,
        schema_current=current,
        schema_head=head,
        last_sweep_at=latest.finished_at if latest else None,
        last_sweep_day=latest.last_day.isoformat() if latest else None,
    )


def metrics(session: Session) -> dict[str, Any]:
    """Counts for monitoring: sweeps per scope, the outbox by status, delivery attempts by outcome."""
    outbox = dict(session.exec(select(Notification.status, func.count()).group_by(col(Notification.status))).all())
    attempts = dict(session.exec(select(DeliveryAttempt.ok, func.count()).group_by(col(DeliveryAttempt.ok))).all())
    sweeps = session.exec(select(SweepRecord).order_by(SweepRecord.scope)).all()
    return {
        "outbox": {str(status): int(count) for status, count in outbox.items()},
        "delivery_attempts": {"ok": int(attempts.get(True, 0)), "failed": int(attempts.get(False, 0))},
        "sweeps": {
            record.scope: {
                "runs": record.runs,
                "last_day": record.last_day.isoformat(),
                "last_finished_at": record.finished_at.isoformat(),
                "notifications_last_run": record.notifications,
                "documents_last_run": record.documents,
            }
            for record in sweeps
        },
    }
