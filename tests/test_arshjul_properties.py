"""Properties of the årshjul (issue 14, item 7), over generated organisation files and every example:
- every message of a cadence goes out within [occurrence − lead time − closed days, occurrence];
- reports cover exactly their period (periods follow each other without gap or overlap);
- no two occurrences of a cadence collapse silently (each nominal date is held, skipped or merged, and said);
- the calendar for [a, b] holds exactly the events whose actual start lies in [a, b]."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from samverkan.orgconfig.schema import BreakSpec, CadenceSpec, OrgConfig
from samverkan.orgconfig.validate import validate_file
from samverkan.scheduling.arshjul import expand_organisation
from samverkan.scheduling.cadence import cadence_calendar, nominal_dates
from samverkan.scheduling.calendar import cadence_rules, organisation_events, work_calendar
from samverkan.scheduling.triggers import TRIGGER_ACTIONS, cadence_actions
from samverkan.services.simulation import simulate
from tests.conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
BASE = validate_file(EXAMPLES / "fagersta.yaml").config
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TRIGGERS = ("est_meeting", "body_meeting", "direction_decision", "est_report", "yearly_review", "survey", "report")
# A few hundred examples in the suite (seconds); SAMVERKAN_PROPERTY_EXAMPLES=5000 for a thorough run.
EXAMPLES_PER_RUN = int(os.environ.get("SAMVERKAN_PROPERTY_EXAMPLES", "200"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES_PER_RUN,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, Any]:
    frequency = draw(st.sampled_from(["weekly", "biweekly", "monthly", "quarterly", "yearly", "times_per_year"]))
    schedule: dict[str, Any] = {
        "frequency": frequency,
        "time": draw(st.sampled_from(["08:30", "09:00", "13:00", "17:00"])),
        "duration_minutes": draw(st.sampled_from([45, 90, 120])),
        "holidays": draw(st.sampled_from(["move_next_working_day", "move_previous_working_day", "skip", "keep"])),
        "observe_breaks": draw(
            st.one_of(
                st.booleans(),
                st.just(["Sommaruppehåll"]),
                st.dictionaries(st.just("Sommaruppehåll"), st.sampled_from(["skip", "move", "keep"]), min_size=1),
            )
        ),
    }
    weekday = draw(st.sampled_from(WEEKDAYS))
    by_day = draw(st.booleans())
    nth = (
        {"day": draw(st.integers(1, 28))}
        if by_day
        else {"weekday": weekday, "week": draw(st.sampled_from([1, 2, 3, 4, -1]))}
    )
    if frequency in ("weekly", "biweekly"):
        schedule["weekday"] = weekday
        if frequency == "biweekly":
            start = date(2026, 1, 5) + timedelta(days=WEEKDAYS.index(weekday) + 7 * draw(st.integers(0, 1)))
            schedule["start"] = start.isoformat()
        if draw(st.booleans()):
            schedule["months"] = sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=6)))
    elif frequency == "monthly":
        schedule |= nth
        if draw(st.booleans()):
            schedule["months"] = sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=12)))
    elif frequency == "quarterly":
        schedule |= nth
        first_month = draw(st.integers(1, 3))
        schedule["months"] = [first_month + 3 * i for i in range(4)]
    elif frequency == "yearly":
        schedule |= nth | {"month": draw(st.integers(1, 12))}
    else:
        count = draw(st.sampled_from([1, 2, 3, 4, 6]))
        schedule |= nth | {"times_per_year": count}
    if draw(st.booleans()):
        season_from = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
        schedule["from"] = season_from.isoformat()
        schedule["until"] = (season_from + timedelta(days=draw(st.integers(30, 500)))).isoformat()
    return {k: v for k, v in schedule.items() if v is not None}


@st.composite
def organisations(draw: st.DrawFn) -> OrgConfig:
    assert BASE is not None
    starts = draw(st.dates(date(2024, 5, 1), date(2024, 7, 15)))
    ends = starts + timedelta(days=draw(st.integers(7, 60)))
    policy = draw(st.sampled_from([None, "skip", "move", "keep"]))
    pause = {"name": "Sommaruppehåll", "from": f"{starts:%m-%d}", "to": f"{ends:%m-%d}"}
    cadences = []
    for index, schedule in enumerate(draw(st.lists(schedules(), min_size=1, max_size=4))):
        trigger = draw(st.sampled_from(TRIGGERS))
        body = "est" if trigger == "est_meeting" else "lokala-bra"
        spec: dict[str, Any] = {"key": f"c{index}", "trigger": trigger, "title": f"Rytm {index}", "body": body}
        if index and trigger in ("report", "est_report") and draw(st.booleans()):
            schedule = {**schedule, "after": "c0"}
        spec["schedule"] = schedule
        spec["notify"] = ["samordnare"]
        spec["packet"] = draw(st.sampled_from([None, True, False]))
        try:
            cadences.append(CadenceSpec.model_validate(spec))
        except ValidationError:
            assume(False)
    breaks = [BreakSpec.model_validate({**pause, **({"policy": policy} if policy else {})})]
    return BASE.model_copy(update={"cadences": cadences, "breaks": breaks})


def window(draw_first: date, days: int) -> tuple[date, date]:
    return draw_first, draw_first + timedelta(days=days)


def check_send_times(config: OrgConfig, first: date, last: date) -> None:
    calendar = work_calendar(config)
    rules = cadence_rules(config)
    expansions = expand_organisation(rules, calendar, first, last, {c.key: c.title for c in config.cadences})
    packet_days = config.packets.working_days_before
    for cadence in config.cadences:
        own = cadence_calendar(rules[cadence.key], calendar)
        leads = {rule.action: rule.working_days_before for rule in TRIGGER_ACTIONS[cadence.trigger]}
        occurrences = expansions[cadence.key].occurrences
        for action in cadence_actions(
            cadence.key, cadence.trigger, cadence.title, rules[cadence.key], occurrences, own, packet_days
        ):
            assert action.occurrence is not None
            day = action.occurrence.day
            lead = packet_days if action.attachment == "packet" else leads[action.action]
            closed = own.closed_days(action.due, day, observe_breaks=False)
            assert action.due <= day, (cadence.key, action)
            assert (day - action.due).days <= max(lead, 1) + closed, (cadence.key, action, lead, closed)


def check_periods(config: OrgConfig, first: date, last: date) -> None:
    rules = cadence_rules(config)
    for key, expansion in expand_organisation(rules, work_calendar(config), first, last).items():
        rule = rules[key]
        previous = None
        for occurrence in expansion.occurrences:
            assert occurrence.period is not None
            start, end = occurrence.period
            assert start <= end < max(date.fromisoformat(occurrence.key), occurrence.day), (key, occurrence)
            if previous is not None:
                assert previous.period is not None
                assert start > previous.period[1], (key, previous, occurrence)  # no overlap
                contiguous = rule["frequency"] in ("quarterly",) or (
                    rule["frequency"] in ("weekly", "biweekly", "monthly") and not rule.get("months")
                )
                if contiguous and not rule.get("until") and not rule.get("valid_from"):
                    assert start == previous.period[1] + timedelta(days=1), (key, previous, occurrence)  # no gap
            previous = occurrence


def check_nothing_silent(config: OrgConfig, first: date, last: date) -> None:
    rules = cadence_rules(config)
    expansions = expand_organisation(rules, work_calendar(config), first, last)
    for key, expansion in expansions.items():
        nominal = [d.isoformat() for d in nominal_dates(rules[key], first, last)]
        accounted = sorted([o.key for o in expansion.occurrences] + [d.key for d in expansion.dropped])
        assert accounted == nominal, key
        held_days = [o.day for o in expansion.occurrences]
        assert len(held_days) == len(set(held_days)), key


def check_calendar_window(config: OrgConfig, first: date, last: date) -> None:
    events = organisation_events(config, first, last)
    assert all(first <= e.start.date() <= last for e in events)
    wide = organisation_events(config, first - timedelta(days=120), last + timedelta(days=120))
    expected = {e.uid for e in wide if first <= e.start.date() <= last}
    assert {e.uid for e in events} == expected


@PROPERTY_SETTINGS
@given(organisations(), st.dates(date(2026, 1, 1), date(2028, 6, 30)), st.integers(0, 400))
def test_properties_over_generated_organisations(config: OrgConfig, first: date, days: int) -> None:
    first, last = window(first, days)
    check_send_times(config, first, last)
    check_periods(config, first, last)
    check_nothing_silent(config, first, last)
    check_calendar_window(config, first, last)


@pytest.mark.parametrize("file", EXAMPLE_FILES, ids=lambda p: p.stem)
@settings(max_examples=max(EXAMPLES_PER_RUN // 10, 10), deadline=None)
@given(first=st.dates(date(2026, 6, 1), date(2028, 6, 30)), days=st.integers(0, 120))
def test_properties_over_every_example(file: Any, first: date, days: int) -> None:
    config = validate_file(file).config
    assert config is not None
    first, last = window(first, days)
    check_send_times(config, first, last)
    check_periods(config, first, last)
    check_nothing_silent(config, first, last)
    check_calendar_window(config, first, last)


def _lead(config: OrgConfig, trigger: str, kind: str, document: str | None) -> int:
    if document == "beslutsunderlag":
        return config.packets.working_days_before
    return max(next(rule.working_days_before for rule in TRIGGER_ACTIONS[trigger] if rule.action.value == kind), 1)


@pytest.mark.parametrize("file", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_simulating_2027_sends_nothing_early_or_late_and_reports_cover_their_cadence(file: Any) -> None:
    result = validate_file(file)
    config = result.config
    assert config is not None
    simulation = simulate([result], date(2027, 1, 1), date(2027, 12, 31), start_cycle=False)
    cadences = {c.key: c for c in config.cadences}
    rules, calendar = cadence_rules(config), work_calendar(config)
    messages = simulation.messages()
    assert messages
    for message in messages:
        cadence = cadences[message.trigger]
        assert message.event_at is not None and message.event_day is not None
        own = cadence_calendar(rules[cadence.key], calendar)
        sent = message.send_at.date()
        if message.kind == "gemensam-lagesbild":
            assert message.send_at >= message.event_at + timedelta(minutes=cadence.schedule.duration_minutes)
            continue
        lead = _lead(config, cadence.trigger, message.kind, message.document)
        assert sent <= message.event_day, message  # never after its event
        assert (message.event_day - sent).days <= lead + own.closed_days(sent, message.event_day, False), message
        if message.period is not None:
            first, last = message.period
            frequency = cadence.schedule.frequency
            nominal = date.fromisoformat(message.occurrence)
            assert last == nominal - timedelta(days=1) or frequency in ("monthly", "quarterly", "yearly"), message
            if cadence.schedule.covers == "current":  # made at the end of its period: the days since the last one
                assert last == nominal - timedelta(days=1) and first <= last, message
                continue
            if frequency == "monthly":
                assert first.day == 1 and (last + timedelta(days=1)).day == 1 and first.month == last.month
                assert last < nominal.replace(day=1) + timedelta(days=1)
            elif frequency == "quarterly":
                assert first.day == 1 and first.month % 3 == 1 and (last - first).days in range(89, 93)
            elif frequency == "yearly":
                assert (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and last.year < nominal.year
            elif frequency == "weekly":
                assert (last - first).days == 6
            elif frequency == "biweekly":
                assert (last - first).days == 13
