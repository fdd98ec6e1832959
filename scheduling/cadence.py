"""Expanding a cadence into concrete occurrences in Europe/Stockholm (dateutil rrule, no hand-made date
arithmetic). Occurrences on a non-working day move or are skipped as the cadence's holiday policy says.
Wall-clock times stay put across daylight saving time changes; the UTC offset follows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil import rrule

from samverkan.core.timeutil import STOCKHOLM
from samverkan.scheduling.workdays import WorkCalendar

WEEKDAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}


@dataclass(frozen=True)
class Occurrence:
    """One occurrence. `key` (the nominal date) is its identity, also after it has been moved."""

    key: str
    day: date
    start: datetime
    end: datetime
    moved_from: date | None = None
    moved_because: str | None = None


def _nominal_dates(rule: Mapping[str, Any], first: date, last: date) -> list[date]:
    frequency = rule["frequency"]
    if frequency == "ad_hoc":
        return []
    weekday = WEEKDAYS[rule["weekday"]] if rule.get("weekday") else None
    by: dict[str, Any] = {}
    if rule.get("day") is not None:
        by["bymonthday"] = rule["day"]
    elif weekday is not None and rule.get("week") is not None:
        by["byweekday"] = weekday(rule["week"])
    anchor = date.fromisoformat(rule["start"]) if rule.get("start") else date(first.year, 1, 1)
    if frequency in ("weekly", "biweekly"):
        recurrence = rrule.rrule(
            rrule.WEEKLY,
            interval=2 if frequency == "biweekly" else 1,
            byweekday=weekday,
            dtstart=datetime.combine(anchor, time()),
        )
    elif frequency == "monthly":
        recurrence = rrule.rrule(rrule.MONTHLY, dtstart=datetime.combine(anchor, time()), **by)
    elif frequency == "quarterly":
        recurrence = rrule.rrule(
            rrule.YEARLY, bymonth=rule.get("months") or (3, 6, 9, 12), dtstart=datetime.combine(anchor, time()), **by
        )
    elif frequency == "yearly":
        recurrence = rrule.rrule(
            rrule.YEARLY,
            interval=rule.get("interval_years", 1),
            bymonth=rule["month"],
            dtstart=datetime.combine(date(anchor.year, 1, 1), time()),
            **by,
        )
    elif frequency == "times_per_year":
        count = rule["times_per_year"]
        months = rule.get("months") or [1 + i * (12 // count) for i in range(count)]
        recurrence = rrule.rrule(rrule.YEARLY, bymonth=sorted(months), dtstart=datetime.combine(anchor, time()), **by)
    else:  # pragma: no cover - the schema admits no other value
        raise ValueError(f"okänd frekvens {frequency}")
    window = recurrence.between(datetime.combine(first, time()), datetime.combine(last, time(23, 59)), inc=True)
    return [moment.date() for moment in window]


def expand(rule: Mapping[str, Any], calendar: WorkCalendar, first: date, last: date) -> list[Occurrence]:
    """The occurrences of `rule` whose nominal date lies in [first, last], in date order."""
    hour, minute = (int(part) for part in rule.get("time", "09:00").split(":"))
    at = time(hour, minute)
    duration = timedelta(minutes=rule.get("duration_minutes", 120))
    policy = rule.get("holidays", "move_next_working_day")
    observe_breaks = rule.get("observe_breaks", True)
    result: list[Occurrence] = []
    taken: set[date] = set()
    for nominal in _nominal_dates(rule, first, last):
        reason = calendar.why_not_working(nominal, observe_breaks)
        day = nominal
        if reason is not None:
            if policy == "skip":
                continue
            if policy == "move_next_working_day":
                day = calendar.next_working_day(nominal, observe_breaks)
            elif policy == "move_previous_working_day":
                day = calendar.next_working_day(nominal, observe_breaks, step=-1)
        if day in taken:  # moved onto another occurrence of the same cadence: one meeting, not two
            continue
        taken.add(day)
        start = datetime.combine(day, at, tzinfo=STOCKHOLM)
        result.append(
            Occurrence(
                nominal.isoformat(),
                day,
                start,
                start + duration,
                nominal if day != nominal else None,
                reason if day != nominal else None,
            )
        )
    return result
