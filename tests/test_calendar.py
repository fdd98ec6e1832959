"""The cadence engine and the årshjul: DST, Swedish holidays, breaks, policies, feeds, iCalendar."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from samverkan.cli.main import app
from samverkan.orgconfig.validate import validate_file
from samverkan.scheduling.cadence import expand
from samverkan.scheduling.calendar import as_ics, feed, organisation_events
from samverkan.scheduling.workdays import WorkCalendar
from tests.conftest import EXAMPLES

NONE = WorkCalendar()
SUMMER = WorkCalendar.from_settings([{"name": "Sommaruppehåll", "from": "06-22", "to": "08-09"}])
YEAR = (date(2027, 1, 1), date(2027, 12, 31))


def rule(**fields: object) -> dict[str, object]:
    return {
        "time": "09:00",
        "duration_minutes": 60,
        "holidays": "move_next_working_day",
        "observe_breaks": True,
        **fields,
    }


def test_biweekly_keeps_wall_clock_across_both_dst_changes() -> None:
    occurrences = expand(rule(frequency="biweekly", weekday="tuesday", start="2027-01-05"), NONE, *YEAR)
    assert len(occurrences) == 26
    offsets = {o.day: o.start.utcoffset() for o in occurrences}
    assert all(o.start.strftime("%H:%M") == "09:00" for o in occurrences)
    assert offsets[date(2027, 3, 16)] == timedelta(hours=1)  # before 28 March: CET
    assert offsets[date(2027, 3, 30)] == timedelta(hours=2)  # after: CEST
    assert offsets[date(2027, 10, 26)] == timedelta(hours=2)  # DST ends on 31 October 2027
    assert offsets[date(2027, 11, 9)] == timedelta(hours=1)  # CET again
    assert {o.day.weekday() for o in occurrences} == {1}


def test_spring_forward_day_itself() -> None:
    (sunday,) = expand(
        rule(frequency="yearly", month=3, weekday="sunday", week=-1, time="09:00", holidays="keep"), NONE, *YEAR
    )
    assert sunday.day == date(2027, 3, 28)
    assert sunday.start.isoformat() == "2027-03-28T09:00:00+02:00"
    assert (sunday.end - sunday.start) == timedelta(minutes=60)


def test_holidays_move_to_next_working_day_or_are_skipped() -> None:
    # 6 January 2027 (trettondedag jul) is a Wednesday; 1 January a Friday
    moved = expand(rule(frequency="monthly", day=6), NONE, *YEAR)
    january = moved[0]
    assert (january.key, january.day, january.moved_because) == ("2027-01-06", date(2027, 1, 7), "Trettondedag jul")
    skipped = expand(rule(frequency="monthly", day=6, holidays="skip"), NONE, *YEAR)
    # the 6th is a non-working day six times in 2027: Trettondedag jul, three Saturdays, Kristi
    # himmelsfärdsdag and a Sunday; with "skip" only the other six months keep their occurrence
    assert [o.day.month for o in skipped] == [4, 7, 8, 9, 10, 12]
    before = expand(rule(frequency="yearly", month=12, day=24, holidays="move_previous_working_day"), NONE, *YEAR)
    assert before[0].day == date(2027, 12, 23) and before[0].moved_because == "Julafton"


def test_de_facto_holidays_are_not_working_days() -> None:
    for day, name in ((date(2027, 6, 25), "Midsommarafton"), (date(2027, 12, 31), "Nyårsafton")):
        assert NONE.why_not_working(day) == name


def test_summer_break_moves_or_is_ignored() -> None:
    observed = expand(rule(frequency="monthly", weekday="tuesday", week=1), SUMMER, *YEAR)
    assert date(2027, 7, 6) not in {o.day for o in observed}
    assert next(o for o in observed if o.moved_from == date(2027, 7, 6)).moved_because == "Sommaruppehåll"
    ignored = expand(rule(frequency="monthly", weekday="tuesday", week=1, observe_breaks=False), SUMMER, *YEAR)
    assert date(2027, 7, 6) in {o.day for o in ignored} and len(ignored) == 12


def test_a_break_across_new_year() -> None:
    winter = WorkCalendar.from_settings([{"name": "Jullov", "from": "12-20", "to": "01-06"}])
    assert winter.why_not_working(date(2027, 12, 21)) == "Jullov"
    assert winter.why_not_working(date(2028, 1, 4)) == "Jullov"
    assert winter.is_working_day(date(2028, 1, 10))


def test_quarterly_yearly_every_second_year_and_ad_hoc() -> None:
    quarterly = expand(rule(frequency="quarterly", day=15), NONE, *YEAR)
    assert [o.key for o in quarterly] == ["2027-03-15", "2027-06-15", "2027-09-15", "2027-12-15"]
    biennial = rule(frequency="yearly", interval_years=2, start="2027-03-01", month=3, day=1)
    assert len(expand(biennial, NONE, date(2027, 1, 1), date(2030, 12, 31))) == 2
    assert expand(rule(frequency="ad_hoc"), NONE, *YEAR) == []


def test_times_per_year_spread_evenly_without_months() -> None:
    six = expand(rule(frequency="times_per_year", times_per_year=6, weekday="tuesday", week=2), NONE, *YEAR)
    assert [o.day.month for o in six] == [1, 3, 5, 7, 9, 11]


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        (
            "fagersta",
            {
                "est-mote": 26,
                "est-manadsrapport": 12,
                "inriktningsbeslut": 4,
                "lokala-bra-mote": 6,
                "arsuppfoljning": 1,
                "scb-medborgarundersokning": 1,
                "veckolagesbild": 52,  # the weekly lägesbild to Länsstyrelsen Västmanland (issue 17)
            },
        ),
        (
            "umea",
            {
                "umebra-mote": 5,
                "rad-holmsund-mote": 4,
                "rad-ersboda-mote": 4,
                "verksamhetsberattelse": 1,
                "so-mal-uppfoljning": 1,
            },
        ),
        (
            "norsjo",
            {
                "forebyggandegruppen-mote": 11,
                "styrgrupp-mote": 4,
                "folkhalsoradet-mote": 4,
                "skolenkat": 1,
                "medborgarenkat": 1,
                "arsuppfoljning": 1,
            },
        ),
        (
            "angered",
            {"beredningsgrupp-lagesbild": 26, "ledningsgrupp-mote": 6, "trygghetsradet-mote": 4, "arsuppfoljning": 1},
        ),
    ],
)
def test_the_2027_calendars_have_their_real_cadences_on_working_days(example: str, expected: dict[str, int]) -> None:
    config = validate_file(EXAMPLES / f"{example}.yaml").config
    assert config is not None
    events = organisation_events(config, *YEAR)
    assert Counter(e.cadence for e in events) == expected
    calendar = WorkCalendar.from_settings([b.model_dump(by_alias=True) for b in config.breaks])
    for event in events:
        assert calendar.is_working_day(event.start.date(), observe_breaks=False), event
        assert str(event.start.tzinfo) == "Europe/Stockholm"


def test_calendar_command_is_deterministic_and_json_has_the_fields() -> None:
    runner = CliRunner()
    args = ["calendar", str(EXAMPLES / "fagersta.yaml"), "--from", "2027-01-01", "--to", "2027-12-31"]
    reproducible = {"SOURCE_DATE_EPOCH": "1798761600"}  # the .ics DTSTAMP is the generation time, unless fixed
    for fmt in ("json", "ics", "text"):
        first = runner.invoke(app, [*args, "--format", fmt], env=reproducible).stdout
        assert first == runner.invoke(app, [*args, "--format", fmt], env=reproducible).stdout
    events = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert len(events) == 102  # 50, and the 52 weekly lägesbilder (issue 17)
    first = events[0]
    assert {"kind", "body", "title", "start"} <= set(first)
    assert first["start"] == "2027-01-05T09:00:00+01:00" and first["kind"] == "est_meeting"
    summer = next(e for e in events if e["start"].startswith("2027-06-08"))
    assert summer["start"].endswith("+02:00")


def test_feeds_per_body_and_per_role() -> None:
    config = validate_file(EXAMPLES / "fagersta.yaml").config
    assert config is not None
    events = organisation_events(config, *YEAR)
    est = feed(events, config, body="est")
    assert {e.cadence for e in est} == {"est-mote", "est-manadsrapport"}
    lansstyrelsen = feed(events, config, role="lansstyrelsen-samordnare")
    assert {e.cadence for e in lansstyrelsen} == {"est-manadsrapport"}
    kso = feed(events, config, role="kso")
    assert {e.cadence for e in kso} == {"inriktningsbeslut", "arsuppfoljning"}
    result = CliRunner().invoke(
        app,
        ["calendar", str(EXAMPLES / "fagersta.yaml"), "--from", "2027-01-01", "--to", "2027-12-31", "--role", "ingen"],
    )
    assert result.exit_code == 1 and "rollen 'ingen' finns inte" in result.stderr


def test_ics_is_valid_icalendar_with_stable_uids() -> None:
    config = validate_file(EXAMPLES / "fagersta.yaml").config
    assert config is not None
    text = as_ics(organisation_events(config, *YEAR), "Fagersta kommun – årshjul")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert text.count("BEGIN:VEVENT") == 102
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 102 and "UID:fagersta.est-mote.2027-01-05@samverkan" in uids
    # Stockholm wall-clock times with the VTIMEZONE they refer to: 09:00 CET is 08:00 UTC, 09:00 CEST 07:00 UTC
    assert "DTSTART;TZID=Europe/Stockholm:20270105T090000" in lines
    assert "DTSTART;TZID=Europe/Stockholm:20270608T090000" in lines
    starts = {str(e["UID"]): e.decoded("DTSTART") for e in Calendar.from_ical(text).walk("VEVENT")}
    assert starts["fagersta.est-mote.2027-01-05@samverkan"].astimezone(UTC) == datetime(2027, 1, 5, 8, tzinfo=UTC)
    assert starts["fagersta.est-mote.2027-06-08@samverkan"].astimezone(UTC) == datetime(2027, 6, 8, 7, tzinfo=UTC)
    later = as_ics(organisation_events(config, date(2027, 1, 1), date(2027, 6, 30)), "x")
    assert "UID:fagersta.est-mote.2027-01-05@samverkan" in later  # a shorter re-export keeps the same UIDs
