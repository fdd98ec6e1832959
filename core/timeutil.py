"""Time in Samverkan: people think in Europe/Stockholm, the database stores UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """Aware datetime in UTC; refuses naive datetimes, whose meaning is a guess."""
    if moment.tzinfo is None:
        raise ValueError(f"tidpunkt utan tidszon: {moment.isoformat()}")
    return moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    """The same instant in Europe/Stockholm."""
    return to_utc(moment).astimezone(STOCKHOLM)


def local_datetime(day: date, at: time) -> datetime:
    """Wall-clock time in Stockholm on a day, as an aware datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=STOCKHOLM)


def today_local() -> date:
    return utcnow().astimezone(STOCKHOLM).date()
