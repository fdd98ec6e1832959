"""Expanding a cadence into concrete occurrences in Europe/Stockholm (dateutil rrule, no hand-made date
arithmetic). An occurrence on a day the cadence's own calendar is closed is moved, kept or skipped as the
holiday policy (weekends, holidays) or the break's policy (skip, move, keep) says. Nothing disappears
silently: an occurrence skipped or merged into another is listed in `Expansion.dropped`.
Wall-clock times stay put across daylight saving time changes; the UTC offset follows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil import rrule

from samverkan.core.timeutil import STOCKHOLM
from samverkan.scheduling.periods import base_period
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
LOOK_BACK = timedelta(days=400)  # nominal dates before the window: the previous occurrence of the first one


@dataclass(frozen=True)
class Occurrence:
    """One occurrence. `key` (the nominal date) is its identity, also after it has been moved. `period` is
    what a report on it covers (since the previous occurrence held, by the cadence's frequency)."""

    key: str
    day: date
    start: datetime
    end: datetime
    moved_from: date | None = None
    moved_because: str | None = None
    period: tuple[date, date] | None = None


@dataclass(frozen=True)
class Dropped:
    """An occurrence that does not take place: skipped (a break, a holiday) or merged into another."""

    key: str
    reason: str
    merged_into: str | None = None
    held_on: date | None = None  # the day of the occurrence it is merged into

    def describe(self, title: str) -> str:
        if self.merged_into:
            held = (
                f", som hålls {self.held_on}" if self.held_on and self.held_on.isoformat() != self.merged_into else ""
            )
            return f"{title} {self.key} slås ihop med tillfället {self.merged_into}{held} ({self.reason})"
        return f"{title} {self.key} ställs in ({self.reason})"


@dataclass
class Expansion:
    occurrences: list[Occurrence] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def rule_date(rule: Mapping[str, Any], *names: str) -> date | None:
    for name in names:
        value = rule.get(name)
        if value:
            return value if isinstance(value, date) else date.fromisoformat(str(value))
    return None


def cadence_calendar(rule: Mapping[str, Any], calendar: WorkCalendar) -> WorkCalendar:
    """The calendar this cadence sees: its own breaks with their policies."""
    return calendar.for_cadence(rule.get("observe_breaks", True), rule.get("holidays", "move_next_working_day"))


def _recurrence(rule: Mapping[str, Any], anchor: date) -> rrule.rrule:
    frequency = rule["frequency"]
    weekday = WEEKDAYS[rule["weekday"]] if rule.get("weekday") else None
    by: dict[str, Any] = {}
    if rule.get("day") is not None:
        by["bymonthday"] = rule["day"]
    elif weekday is not None and rule.get("week") is not None:
        by["byweekday"] = weekday(rule["week"])
    start = datetime.combine(anchor, time())
    months = rule.get("months")
    if frequency in ("weekly", "biweekly"):
        interval = 2 if frequency == "biweekly" else 1
        return rrule.rrule(rrule.WEEKLY, interval=interval, byweekday=weekday, bymonth=months, dtstart=start)
    if frequency == "monthly":
        return rrule.rrule(rrule.MONTHLY, bymonth=months, dtstart=start, **by)
    if frequency == "quarterly":
        return rrule.rrule(rrule.YEARLY, bymonth=months or (3, 6, 9, 12), dtstart=start, **by)
    if frequency == "yearly":
        return rrule.rrule(
            rrule.YEARLY,
            interval=rule.get("interval_years", 1),
            bymonth=rule["month"],
            dtstart=datetime.combine(date(anchor.year, 1, 1), time()),
            **by,
        )
    if frequency == "times_per_year":
        count = rule["times_per_year"]
        chosen = months or [1 + i * (12 // count) for i in range(count)]
        return rrule.rrule(rrule.YEARLY, bymonth=sorted(chosen), dtstart=start, **by)
    raise ValueError(f"okänd frekvens {frequency}")  # pragma: no cover - the schema admits no other value


def nominal_dates(rule: Mapping[str, Any], first: date, last: date) -> list[date]:
    """The cadence's dates by its rule alone, within [first, last] and its season (`from`–`until`)."""
    if rule["frequency"] == "ad_hoc":
        return []
    season_from = rule_date(rule, "valid_from", "from")
    until = rule_date(rule, "until")
    first = max(first, season_from) if season_from else first
    last = min(last, until) if until else last
    if last < first:
        return []
    anchor = rule_date(rule, "start") or first  # a biweekly rhythm (or every N years) begins at its start
    window = _recurrence(rule, anchor).between(
        datetime.combine(first, time()), datetime.combine(last, time(23, 59)), inc=True
    )
    return [moment.date() for moment in window]


def _place(rule: Mapping[str, Any], calendar: WorkCalendar, nominal: date) -> tuple[date | None, str | None]:
    """Where an occurrence on `nominal` takes place (None: skipped), and why it is not on `nominal`."""
    reason = calendar.why_not_working(nominal)
    if reason is None:
        return nominal, None
    pause = calendar.break_on(nominal)
    policy = rule.get("holidays", "move_next_working_day")
    step = -1 if policy == "move_previous_working_day" else 1
    if pause is not None:  # the break's policy governs every day inside it
        if pause.policy == "skip":
            return None, pause.name
        return calendar.next_working_day(nominal, step=step), pause.name
    if policy == "skip":
        return None, reason
    if policy == "keep":
        return nominal, None
    return calendar.next_working_day(nominal, step=step), reason


class KeyedRule(dict[str, Any]):
    """A rule that carries its identity (its JSON, keys sorted), computed once: the key of its expansions."""

    def __init__(self, rule: Mapping[str, Any]) -> None:
        super().__init__(rule)
        self.key = rule_key(rule)


def rule_key(rule: Mapping[str, Any]) -> str:
    if isinstance(rule, KeyedRule):
        return rule.key
    return json.dumps(rule, sort_keys=True, default=str)


_EXPANSIONS: dict[tuple[str, WorkCalendar, date, date], Expansion] = {}
EXPANSIONS_KEPT = 4096  # expansions remembered per process (a few hundred distinct rules, a few windows each)


def expand_cadence(rule: Mapping[str, Any], calendar: WorkCalendar, first: date, last: date) -> Expansion:
    """The occurrences whose nominal date lies in [first, last], in date order, and those that do not take
    place. `calendar` is the organisation's; the cadence's own view of it is taken here.

    An expansion depends on nothing but the rule, the calendar and the window, so it is computed once per process
    for each: organisations with the same rule and breaks (a monthly meeting on the 5th, a summer break from
    06-22) share it. The caller gets its own lists; the occurrences themselves are immutable."""
    key = (rule_key(rule), calendar, first, last)
    found = _EXPANSIONS.get(key)
    if found is None:
        if len(_EXPANSIONS) >= EXPANSIONS_KEPT:
            _EXPANSIONS.clear()
        found = _EXPANSIONS[key] = _expand_cadence(rule, calendar, first, last)
    return Expansion(list(found.occurrences), list(found.dropped))


def _expand_cadence(rule: Mapping[str, Any], calendar: WorkCalendar, first: date, last: date) -> Expansion:
    own = cadence_calendar(rule, calendar)
    hour, minute = (int(part) for part in rule.get("time", "09:00").split(":"))
    duration = timedelta(minutes=rule.get("duration_minutes", 120))
    result = Expansion()
    nominals = nominal_dates(rule, first - LOOK_BACK, last)
    held: list[Occurrence] = []
    pending_start: date | None = None  # the period of skipped occurrences, carried to the next one held
    previous: date | None = None
    for nominal in nominals:
        period = base_period(rule["frequency"], nominal, previous, rule.get("interval_years", 1), rule.get("covers"))
        previous = nominal
        day, reason = _place(rule, own, nominal)
        in_window = nominal >= first
        if day is None:
            pending_start = min(pending_start or period[0], period[0])
            if in_window:
                result.dropped.append(Dropped(nominal.isoformat(), reason or ""))
            continue
        if held and day <= held[-1].day:  # moved onto (or past) the previous one: one meeting, not two
            last_held = held[-1]
            assert last_held.period is not None
            if period[1] < last_held.day:  # its period is over by then: the one held covers it
                held[-1] = replace(last_held, period=(last_held.period[0], period[1]))
            else:  # moved back onto an earlier one: the next one held covers it
                pending_start = min(pending_start or period[0], period[0])
            if in_window:
                result.dropped.append(Dropped(nominal.isoformat(), reason or "samma dag", last_held.key, last_held.day))
            continue
        start = datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)
        held.append(
            Occurrence(
                nominal.isoformat(),
                day,
                start,
                start + duration,
                nominal if day != nominal else None,
                reason if day != nominal else None,
                (min(pending_start or period[0], period[0]), period[1]),
            )
        )
        pending_start = None
    result.occurrences = [o for o in held if o.key >= first.isoformat()]
    return result


def expand(rule: Mapping[str, Any], calendar: WorkCalendar, first: date, last: date) -> list[Occurrence]:
    """The occurrences of `rule` whose nominal date lies in [first, last], in date order."""
    return expand_cadence(rule, calendar, first, last).occurrences
