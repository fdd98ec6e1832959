"""The days an årshjul marks as closed in a span: public (and de facto) holidays on weekdays, and the
organisation's configured breaks as date ranges. Pure: from the work calendar and the span alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from samverkan.scheduling.workdays import WorkCalendar, swedish_holidays


@dataclass(frozen=True)
class Closure:
    name: str
    first: date
    last: date  # inclusive; a holiday is one day


def holidays_in(first: date, last: date) -> list[Closure]:
    """Holidays in [first, last] that fall on a weekday (a Saturday or Sunday is closed anyway)."""
    found = []
    for year in range(first.year, last.year + 1):
        for day, name in sorted(swedish_holidays(year).items()):
            if first <= day <= last and day.weekday() < 5:
                found.append(Closure(name, day, day))
    return found


def breaks_in(calendar: WorkCalendar, first: date, last: date) -> list[Closure]:
    """Each stretch of consecutive days in [first, last] inside one configured break."""
    spans: list[Closure] = []
    day = first
    while day <= last:
        pause = calendar.break_on(day)
        if pause is not None:
            start = day
            while day + timedelta(days=1) <= last and calendar.break_on(day + timedelta(days=1)) == pause:
                day += timedelta(days=1)
            spans.append(Closure(pause.name, start, day))
        day += timedelta(days=1)
    return spans
