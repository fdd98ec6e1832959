"""Swedish working days: weekends, public holidays and the de facto ones (midsommarafton, julafton,
nyårsafton), from the `holidays` package, plus an organisation's configured breaks.

Each cadence sees its own calendar (`WorkCalendar.for_cadence`): only the breaks it observes close it, and a
break whose policy for the cadence is `keep` does not close it at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

BreakPolicy = Literal["skip", "move", "keep"]
BREAK_POLICIES: tuple[BreakPolicy, ...] = ("skip", "move", "keep")


@lru_cache(maxsize=64)
def swedish_holidays(year: int) -> dict[date, str]:
    """The year's holidays by date: from the generated table (scheduling/holiday_table.py) where it has the
    year, else from the `holidays` package, which the table is tested to match."""
    from samverkan.scheduling.holiday_table import FIRST_YEAR, HOLIDAYS, LAST_YEAR

    if not FIRST_YEAR <= year <= LAST_YEAR:
        return package_holidays(year)
    prefix = f"{year}-"
    return {date.fromisoformat(day): name for day, name in HOLIDAYS if day.startswith(prefix)}


def package_holidays(year: int) -> dict[date, str]:
    """The year's holidays as the `holidays` package computes them (imported here: it costs ~0.08 s)."""
    import holidays

    calendar = holidays.country_holidays(
        "SE", years=year, include_sundays=False, categories=("public", "de_facto"), language="sv"
    )
    return dict(calendar.items())


def holiday_name(day: date) -> str | None:
    return swedish_holidays(day.year).get(day)


@dataclass(frozen=True)
class Break:
    """A recurring break such as sommaruppehåll, MM-DD to MM-DD inclusive (may span the new year). `policy`
    says what happens to an occurrence inside it (None: what the cadence's holiday policy says)."""

    name: str
    starts: tuple[int, int]
    ends: tuple[int, int]
    policy: BreakPolicy | None = None

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> Break:
        start_month, start_day = (int(part) for part in spec["from"].split("-"))
        end_month, end_day = (int(part) for part in spec["to"].split("-"))
        return cls(spec["name"], (start_month, start_day), (end_month, end_day), spec.get("policy"))

    def covers(self, day: date) -> bool:
        month_day = (day.month, day.day)
        if self.starts <= self.ends:
            return self.starts <= month_day <= self.ends
        return month_day >= self.starts or month_day <= self.ends

    def matches(self, name: str) -> bool:
        return self.name.casefold() == name.casefold()


def default_break_policy(holiday_policy: str) -> BreakPolicy:
    """A break's policy for a cadence that names none: what the cadence does on a holiday."""
    if holiday_policy == "skip":
        return "skip"
    if holiday_policy == "keep":
        return "keep"
    return "move"


@dataclass(frozen=True)
class WorkCalendar:
    breaks: tuple[Break, ...] = ()

    @classmethod
    def from_settings(cls, breaks: Iterable[Mapping[str, Any]]) -> WorkCalendar:
        return cls(tuple(Break.parse(b) for b in breaks))

    def for_cadence(self, observe_breaks: object, holiday_policy: str = "move_next_working_day") -> WorkCalendar:
        """The calendar one cadence sees. `observe_breaks` is true (every break), false (none), a list of
        break names, or a mapping from break name to policy (skip, move, keep). Each break carries the
        policy that applies to the cadence; breaks kept are left out (the cadence works through them)."""
        fallback = default_break_policy(holiday_policy)
        chosen: list[Break] = []
        for pause in self.breaks:
            policy: BreakPolicy | None
            if observe_breaks is True:
                policy = pause.policy or fallback
            elif isinstance(observe_breaks, Mapping):
                named = [v for k, v in observe_breaks.items() if pause.matches(str(k))]
                policy = named[0] if named else None
            elif isinstance(observe_breaks, (list, tuple)):
                policy = (pause.policy or fallback) if any(pause.matches(str(n)) for n in observe_breaks) else None
            else:
                policy = None
            if policy is not None and policy != "keep":
                chosen.append(replace(pause, policy=policy))
        return WorkCalendar(tuple(chosen))

    def break_on(self, day: date) -> Break | None:
        for pause in self.breaks:
            if pause.covers(day):
                return pause
        return None

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
            pause = self.break_on(day)
            if pause is not None:
                return pause.name
        return None

    def is_working_day(self, day: date, observe_breaks: bool = True) -> bool:
        return self.why_not_working(day, observe_breaks) is None

    def next_working_day(self, day: date, observe_breaks: bool = True, step: int = 1) -> date:
        if not (observe_breaks and self.breaks):  # weekends and holidays alone: the same for every calendar
            return _next_open_day(day, step)
        return self._next_working_day(day, observe_breaks, step)

    def _next_working_day(self, day: date, observe_breaks: bool, step: int) -> date:
        for _ in range(400):
            if self.is_working_day(day, observe_breaks):
                return day
            day += timedelta(days=step)
        raise ValueError("ingen arbetsdag inom ett år")  # pragma: no cover - only with a year-long break

    def working_days_before(self, day: date, count: int, observe_breaks: bool = True) -> date:
        """The date `count` working days before `day`. Only this calendar's breaks are closed days (a
        cadence's own calendar holds just the breaks it observes)."""
        if not (observe_breaks and self.breaks):
            return _open_days_before(day, count)
        current = day
        for _ in range(count):
            current = self.next_working_day(current - timedelta(days=1), observe_breaks, step=-1)
        return current

    def closed_days(self, first: date, last: date, observe_breaks: bool = True) -> int:
        """Days in [first, last) on which this calendar is closed."""
        days = (first + timedelta(days=n) for n in range((last - first).days))
        return sum(not self.is_working_day(day, observe_breaks) for day in days)


# A calendar without breaks (or asked to ignore them) is closed on weekends and holidays only, the same for every
# organisation: a sweep's thousands of lead times (a call five working days before) are counted once per process.
_OPEN = WorkCalendar()


@lru_cache(maxsize=20_000)
def _next_open_day(day: date, step: int) -> date:
    return _OPEN._next_working_day(day, False, step)


@lru_cache(maxsize=20_000)
def _open_days_before(day: date, count: int) -> date:
    current = day
    for _ in range(count):
        current = _next_open_day(current - timedelta(days=1), -1)
    return current
