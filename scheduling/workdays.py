"""Swedish working days: weekends, public holidays and the de facto ones (midsommarafton, julafton,
nyårsafton), from the `holidays` package, plus an organisation's configured breaks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def swedish_holidays(year: int) -> dict[date, str]:
    calendar = holidays.Sweden(years=year, include_sundays=False, categories=("public", "de_facto"), language="sv")
    return dict(calendar.items())


def holiday_name(day: date) -> str | None:
    return swedish_holidays(day.year).get(day)


@dataclass(frozen=True)
class Break:
    """A recurring break such as sommaruppehåll, MM-DD to MM-DD inclusive (may span the new year)."""

    name: str
    starts: tuple[int, int]
    ends: tuple[int, int]

    @classmethod
    def parse(cls, spec: Mapping[str, str]) -> Break:
        start_month, start_day = (int(part) for part in spec["from"].split("-"))
        end_month, end_day = (int(part) for part in spec["to"].split("-"))
        return cls(spec["name"], (start_month, start_day), (end_month, end_day))

    def covers(self, day: date) -> bool:
        month_day = (day.month, day.day)
        if self.starts <= self.ends:
            return self.starts <= month_day <= self.ends
        return month_day >= self.starts or month_day <= self.ends


@dataclass(frozen=True)
class WorkCalendar:
    breaks: tuple[Break, ...] = ()

    @classmethod
    def from_settings(cls, breaks: Iterable[Mapping[str, str]]) -> WorkCalendar:
        return cls(tuple(Break.parse(b) for b in breaks))

    def why_not_working(self, day: date, observe_breaks: bool = True) -> str | None:
        """None on a working day; otherwise the reason, in Swedish."""
        if day.weekday() == 5:
            return "lördag"
        if day.weekday() == 6:
            return "söndag"
        name = holiday_name(day)
        if name:
            return name
        if observe_breaks:
            for pause in self.breaks:
                if pause.covers(day):
                    return pause.name
        return None

    def is_working_day(self, day: date, observe_breaks: bool = True) -> bool:
        return self.why_not_working(day, observe_breaks) is None

    def next_working_day(self, day: date, observe_breaks: bool = True, step: int = 1) -> date:
        for _ in range(400):
            if self.is_working_day(day, observe_breaks):
                return day
            day += timedelta(days=step)
        raise ValueError("ingen arbetsdag inom ett år")  # pragma: no cover - only with a year-long break

    def working_days_before(self, day: date, count: int) -> date:
        """The date `count` working days before `day` (breaks do not count as working days)."""
        current = day
        for _ in range(count):
            current = self.next_working_day(current - timedelta(days=1), step=-1)
        return current
