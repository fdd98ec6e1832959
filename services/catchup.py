"""Catching up after a gap: the sweep starts from the day after the last one it completed, not from a fixed
lookback, so no day is lost when nothing ran for a while (a server outage, a long holiday, a broken worker).

The gap is bounded (`MAX_CATCHUP_DAYS`): beyond it, the oldest days are left undone with a warning, since
reminders months late help nobody. A gap longer than `LARGE_GAP_DAYS` is logged as a warning too. Only a sweep
over every organisation records its day; a sweep of a few organisations (an operator's test) records nothing.

Production runs one sweep of every kind a day (scope `alla`); an operator may sweep a group of kinds
(`KIND_GROUPS`, one flow each), recorded under its own scope. Where a sweep starts is decided per kind: the last
day a kind was swept is the latest record whose scope covers it, and a sweep starts after the earliest of its
kinds' days, so switching between the one daily sweep and the per-kind flows loses no day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.models import SweepRecord
from samverkan.services.errors import ServiceError
from samverkan.services.sweep import SweepResult, sweep

log = logging.getLogger("samverkan.sweep")

DEFAULT_LOOKBACK_DAYS = 7  # the first sweep ever, and the least any sweep looks back
LARGE_GAP_DAYS = 7
MAX_CATCHUP_DAYS = 90
ALL = "alla"
KIND_GROUPS = {  # the trigger kinds, in the groups the per-kind flows sweep (flows/cycle_flows.py)
    "svep": ("item_deadline", "measure_deadline", "phase_opened", "survey", "weekly_situation", "joint_priorities"),
    "mötesförberedelse": ("est_meeting", "body_meeting", "network_meeting"),
    "inriktningsbeslut": ("direction_decision",),
    "rapporter": ("est_report", "report", "yearly_review", "county_analysis", "county_report"),
}
ALL_KINDS = frozenset(kind for kinds in KIND_GROUPS.values() for kind in kinds)


@dataclass
class CatchUp:
    """One sweep with the days it covered."""

    scope: str
    first_day: date
    last_day: date
    previous_day: date | None  # the last completed day before this sweep (None: never swept)
    result: SweepResult
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.result.to_dict(),
            "scope": self.scope,
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "previous_day": self.previous_day.isoformat() if self.previous_day else None,
            "warnings": self.warnings,
        }


def scope_of(kinds: Iterable[str] | None) -> str:
    return ",".join(sorted(set(kinds))) if kinds is not None else ALL


def last_swept(session: Session, kinds: Iterable[str] | None) -> date | None:
    """The last day every one of `kinds` (None: all) was swept to, by any scope covering it; None if none was."""
    wanted = set(kinds) if kinds is not None else set(ALL_KINDS)
    covered: dict[str, date] = {}
    for record in session.exec(select(SweepRecord)).all():
        for kind in wanted & (set(ALL_KINDS) if record.scope == ALL else set(record.scope.split(","))):
            covered[kind] = max(covered.get(kind, record.last_day), record.last_day)
    # a kind no scope ever swept starts from the usual lookback, which first_day_to_sweep never goes beyond
    return min(covered.values()) if covered else None


def first_day_to_sweep(
    today: date, previous: date | None, from_day: date | None, max_days: int
) -> tuple[date, list[str]]:
    """Where a sweep on `today` starts, and the warnings about the gap. `from_day` (an operator's) wins."""
    if from_day is not None:
        if from_day > today:
            raise ServiceError(f"startdagen {from_day} ligger efter svepdagen {today}")
        return from_day, []
    warnings = []
    first = today - timedelta(days=DEFAULT_LOOKBACK_DAYS)
    if previous is not None:
        first = min(first, previous + timedelta(days=1))
        gap = (today - previous).days - 1
        if gap > LARGE_GAP_DAYS:
            warnings.append(f"svepet har inte körts på {gap} dagar (senast klart {previous}); tar igen dem nu")
    if (today - first).days > max_days:
        bounded = today - timedelta(days=max_days)
        warnings.append(
            f"dagarna {first}–{bounded - timedelta(days=1)} tas inte igen (mer än {max_days} dagar sedan); "
            f"kör 'samverkan sweep --from {first}' om de ska göras"
        )
        first = bounded
    return first, warnings


def catch_up(
    session: Session,
    now: datetime | None = None,
    *,
    kinds: Iterable[str] | None = None,
    org_keys: Iterable[str] | None = None,
    from_day: date | None = None,
    documents_dir: Path | None = None,
    max_days: int = MAX_CATCHUP_DAYS,
    pdf: bool = True,
) -> CatchUp:
    """Sweep everything due from the day after the last completed sweep (or `from_day`) up to `now`, in the
    caller's transaction, and record the day as completed (when every organisation was swept)."""
    now = now or utcnow()
    kinds = sorted(set(kinds)) if kinds is not None else None
    scope = scope_of(kinds)
    today = now.astimezone(STOCKHOLM).date()
    record = session.get(SweepRecord, scope)
    previous = last_swept(session, kinds)
    first, warnings = first_day_to_sweep(today, previous, from_day, max_days)
    for warning in warnings:
        log.warning("%s: %s", scope, warning)
    result = sweep(
        session,
        now,
        org_keys=org_keys,
        kinds=kinds,
        lookback_days=(today - first).days,
        documents_dir=documents_dir,
        pdf=pdf,
    )
    if org_keys is None:
        _record(session, record, scope, today, result)
    log.info("%s: svepte %s–%s, %s meddelanden", scope, first, today, sum(result.notifications.values()))
    return CatchUp(scope, first, today, previous, result, warnings)


def _record(session: Session, record: SweepRecord | None, scope: str, today: date, result: SweepResult) -> None:
    if record is None:
        record = SweepRecord(scope=scope, last_day=today, finished_at=utcnow())
    record.last_day = max(record.last_day, today)
    record.finished_at = utcnow()
    record.runs += 1
    record.notifications = sum(result.notifications.values())
    record.documents = len(result.documents)
    session.add(record)


def last_sweeps(session: Session) -> list[SweepRecord]:
    """Every scope's record, the most recent first (for /health and the metrics)."""
    return list(session.exec(select(SweepRecord).order_by(col(SweepRecord.finished_at).desc())).all())
