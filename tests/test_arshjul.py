"""Issue 14: an årshjul that is right for real organisations – each cadence's own breaks and lead times, no
stacked calls, break policies and seasons, warnings for what does not take place, report periods, `after:`,
packets per cadence, delivery that never holds a message past its event, and the message preview."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.main import app
from samverkan.database import session_scope
from samverkan.models import Notification, Organisation, Person
from samverkan.models.enums import NotificationStatus
from samverkan.notifications.delivery import deliver_pending
from samverkan.orgconfig.validate import validate_file, validate_text
from samverkan.scheduling.actions import Action, action_label, is_digestible, is_urgent
from samverkan.scheduling.arshjul import expand_organisation
from samverkan.scheduling.cadence import cadence_calendar, expand, expand_cadence
from samverkan.scheduling.calendar import organisation_events, schedule_warnings
from samverkan.scheduling.periods import period_label
from samverkan.scheduling.triggers import cadence_actions, deadline_actions, occurrence_actions
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.services.simulation import simulate
from tests.conftest import EXAMPLES
from tests.receivers import SmtpServer
from tests.test_delivery import SAMORDNARE, fagersta

STHLM = ZoneInfo("Europe/Stockholm")
SUMMER = WorkCalendar.from_settings([{"name": "Sommaruppehåll", "from": "06-22", "to": "08-09"}])
YEAR = (date(2027, 1, 1), date(2027, 12, 31))


def rule(**fields: object) -> dict[str, object]:
    return {"time": "09:00", "duration_minutes": 60, "holidays": "move_next_working_day", **fields}


def fagersta_with(cadence_yaml: str, breaks_yaml: str | None = None) -> str:
    """Fagersta's file with one more cadence (and optionally other breaks)."""
    text = (EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8")
    text = text.replace("\nbreaks:\n", f"\n{cadence_yaml.rstrip()}\n\nbreaks:\n", 1)
    if breaks_yaml is not None:
        start = text.index("\nbreaks:\n")
        end = text.index("\nindicators:")
        text = text[:start] + f"\nbreaks:\n{breaks_yaml.rstrip()}\n" + text[end:]
    return text


# --- the Action enum (issue 11, part 3)


def test_actions_carry_how_they_are_delivered() -> None:
    assert Action.ESKALERING.urgent and Action.ESKALERING.escalates_to_chair
    assert not Action.KALLELSE.urgent and not Action.KALLELSE.digestible
    assert Action.from_code("paminnelse-7") is Action.PAMINNELSE_FORE and is_digestible("paminnelse-7")
    assert Action.from_code("paminnelse") is Action.PAMINNELSE and not is_digestible("paminnelse")
    assert is_digestible("forfaller-idag") and not is_digestible("eskalering")
    assert is_urgent("eskalering") and is_urgent("kallelse", flagged=True) and not is_urgent("kallelse")
    assert Action.from_code("okand") is None and action_label("okand") == "okand"
    assert action_label("paminnelse-7") == "påminnelse 7 dagar före tidsfrist"
    assert Action.BESLUTSUNDERLAG.document == "packet" and Action.MANADSRAPPORT.is_report


# --- working days per cadence, lead times, stacking (items 1)


def test_a_cadence_that_ignores_the_break_counts_break_days_as_working_days() -> None:
    """Fagersta: the EST group meets through the summer; its calls were counted around the break and all
    went out on 15 June. Each now goes out five working days before its own meeting."""
    est = rule(frequency="biweekly", weekday="tuesday", start="2027-01-05", observe_breaks=False)
    own = cadence_calendar(est, SUMMER)
    assert own.working_days_before(date(2027, 8, 3), 5) == date(2027, 7, 27)
    assert SUMMER.working_days_before(date(2027, 8, 3), 5) == date(2027, 6, 15)  # the break-observing view
    occurrences = expand(est, SUMMER, date(2027, 6, 1), date(2027, 8, 31))
    calls = [a for a in cadence_actions("est", "est_meeting", "EST", est, occurrences, own) if a.code == "kallelse"]
    assert [a.due for a in calls if date(2027, 6, 22) <= a.about <= date(2027, 8, 3)] == [  # type: ignore[operator]
        date(2027, 6, 15),
        date(2027, 6, 29),
        date(2027, 7, 13),
        date(2027, 7, 27),
    ]


def test_the_call_for_the_first_meeting_after_a_break_is_not_weeks_early() -> None:
    """A cadence that observes the break meets again after it; its call keeps its lead time (the break places
    meetings, it does not close the calendar the way weekends and holidays do)."""
    est = rule(frequency="biweekly", weekday="tuesday", start="2027-01-05")
    own = cadence_calendar(est, SUMMER)
    occurrences = expand(est, SUMMER, date(2027, 6, 1), date(2027, 8, 31))
    first_after = next(o for o in occurrences if o.day >= date(2027, 8, 10))
    assert first_after.day == date(2027, 8, 10) and first_after.moved_because == "Sommaruppehåll"
    actions = cadence_actions("est", "est_meeting", "EST", est, occurrences, own)
    call = next(a for a in actions if a.code == "kallelse" and a.occurrence == first_after)
    assert call.due == date(2027, 8, 3)


def test_fagersta_15_june_sends_one_call_not_four() -> None:
    result = CliRunner().invoke(
        app,
        ["simulate", str(EXAMPLES / "fagersta.yaml"), "--from", "2027-06-15", "--to", "2027-06-15", "--no-cycle"],
    )
    assert result.exit_code == 0, result.output
    assert "Utlösare: EST-möte 1\n" in result.output and "est-skola: 1\n" in result.output


def test_calls_of_several_occurrences_are_never_stacked_on_one_day() -> None:
    """Weekly meetings on a kept day inside a closed stretch would all count back to the same working day."""
    closed = WorkCalendar.from_settings([{"name": "Stängt", "from": "07-01", "to": "07-31", "policy": "keep"}])
    weekly = rule(frequency="weekly", weekday="wednesday")
    own = cadence_calendar(weekly, closed)
    occurrences = expand(weekly, closed, date(2027, 7, 1), date(2027, 7, 31))
    assert len(occurrences) == 4  # kept: the meetings take place, the break does not close this cadence
    days = [a.due for a in cadence_actions("w", "body_meeting", "Möte", weekly, occurrences, own)]
    assert len(days) == len(set(days))
    stacked = WorkCalendar.from_settings([{"name": "Stängt", "from": "07-01", "to": "07-31"}])
    kept = rule(frequency="weekly", weekday="wednesday", holidays="keep", observe_breaks=["Stängt"])
    own = cadence_calendar(kept, stacked)
    occurrences = expand(kept, stacked, date(2027, 7, 1), date(2027, 8, 31))
    calls = [a for a in cadence_actions("w", "body_meeting", "Möte", kept, occurrences, own)]
    days = [a.due for a in calls]
    assert len(days) == len(set(days))
    assert all(a.due <= a.about for a in calls)  # type: ignore[operator]


# --- break policies, seasons, warnings (item 2)


def test_break_policies_skip_move_keep_and_warnings() -> None:
    weekly = rule(frequency="weekly", weekday="friday")
    skip = WorkCalendar.from_settings([{"name": "Sommaruppehåll", "from": "06-22", "to": "08-09", "policy": "skip"}])
    expansion = expand_cadence(weekly, skip, *YEAR)
    assert not any(date(2027, 6, 22) <= o.day <= date(2027, 8, 9) for o in expansion.occurrences)
    assert [d.key for d in expansion.dropped if d.merged_into is None][:2] == ["2027-06-25", "2027-07-02"]
    assert len(expansion.occurrences) + len(expansion.dropped) == 53 - 0  # 53 Fridays in 2027
    moved = expand_cadence(weekly, SUMMER, *YEAR)  # default: move (the cadence's holiday policy)
    first_after = [o for o in moved.occurrences if o.moved_from and o.moved_because == "Sommaruppehåll"]
    assert [o.day for o in first_after] == [date(2027, 8, 10)]
    merged = [d for d in moved.dropped if d.merged_into == first_after[0].key]
    assert len(merged) == 6 and "slås ihop" in merged[0].describe("Veckorapport")
    kept = expand_cadence({**weekly, "observe_breaks": {"sommaruppehåll": "keep"}}, SUMMER, *YEAR)
    assert sum(date(2027, 6, 22) <= o.day <= date(2027, 8, 9) for o in kept.occurrences) == 7


def test_a_seasonal_effort_and_months_for_every_frequency() -> None:
    summer_effort = rule(frequency="weekly", weekday="thursday", months=[6, 7, 8], observe_breaks=False)
    days = [o.day for o in expand(summer_effort, SUMMER, *YEAR)]
    assert days[0] == date(2027, 6, 3) and days[-1] == date(2027, 8, 26) and len(days) == 13
    season = rule(frequency="biweekly", weekday="monday", start="2027-01-04", **{"from": "2027-03-01"})
    season["until"] = "2027-04-30"
    assert next(o.key for o in expand(season, WorkCalendar(), *YEAR)) == "2027-03-01"
    assert all("2027-03-01" <= o.key <= "2027-04-30" for o in expand(season, WorkCalendar(), *YEAR))
    monthly = rule(frequency="monthly", day=10, months=[1, 2, 3])
    assert [o.key for o in expand(monthly, WorkCalendar(), *YEAR)] == ["2027-01-10", "2027-02-10", "2027-03-10"]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("{frequency: weekly, weekday: monday, start: 2027-01-04}", "frekvensen 'weekly' tar inte fälten: start"),
        ("{frequency: monthly, day: 5, start: 2027-01-05}", "frekvensen 'monthly' tar inte fälten: start"),
        ("{frequency: ad_hoc, from: 2027-01-05}", "frekvensen 'ad_hoc' tar inte fälten: from"),
        ("{frequency: weekly, weekday: monday, from: 2027-05-01, until: 2027-04-01}", "ligger före 'from'"),
        ("{frequency: weekly, weekday: monday, observe_breaks: [Jullov]}", "okänd uppehåll 'Jullov'"),
        ("{frequency: weekly, weekday: monday, after: finns-inte}", "okänd rytm 'finns-inte'"),
        ("{frequency: weekly, weekday: monday, after: veckorapport}", "'after' bildar en slinga"),
    ],
)
def test_schedules_refuse_what_their_frequency_does_not_take(schedule: str, message: str) -> None:
    text = fagersta_with(
        "  - key: veckorapport\n    trigger: report\n    title: Veckorapport\n"
        f"    schedule: {schedule}\n    notify: [samordnare]\n"
    )
    result = validate_text(text, "fagersta.yaml")
    line = text[: text.index("  - key: veckorapport")].count("\n") + 1
    errors = [i for i in result.issues if i.severity == "fel"]
    assert errors and message in errors[0].message, [str(i) for i in result.issues]
    assert line < errors[0].line <= line + 4  # FILE:LINE of the schedule


def test_validate_and_calendar_warn_about_occurrences_that_do_not_take_place(tmp_path: Path) -> None:
    file = tmp_path / "fagersta.yaml"
    file.write_text(
        fagersta_with(
            "  - key: veckorapport\n    trigger: report\n    title: Veckorapport\n"
            "    schedule: {frequency: weekly, weekday: friday}\n    notify: [samordnare]\n"
        ),
        encoding="utf-8",
    )
    config = validate_file(file).config
    assert config is not None
    warning = "Veckorapport 2027-07-02 slås ihop med tillfället 2027-06-25, som hålls 2027-08-10 (Sommaruppehåll)"
    assert ("veckorapport", warning) in schedule_warnings(config, *YEAR)
    validated = CliRunner().invoke(app, ["validate", str(file), "--from", "2027-01-01", "--to", "2027-12-31"])
    assert validated.exit_code == 0, validated.output
    assert f"varning: {warning}" in validated.output
    shown = CliRunner().invoke(app, ["calendar", str(file), "--from", "2027-06-01", "--to", "2027-08-31"])
    assert shown.exit_code == 0 and f"varning: {warning}" in shown.output


def test_calendar_filters_by_actual_start() -> None:
    config = validate_file(EXAMPLES / "fagersta.yaml").config
    assert config is not None
    # the EST report of Saturday 5 June is held on Monday 7 June
    moved_in = organisation_events(config, date(2027, 6, 6), date(2027, 6, 7))
    assert [(e.cadence, e.occurrence) for e in moved_in] == [("est-manadsrapport", "2027-06-05")]
    assert organisation_events(config, date(2027, 6, 5), date(2027, 6, 5)) == []


# --- report periods and after: (item 3)


@pytest.mark.parametrize(
    ("schedule", "day", "period", "label"),
    [
        (rule(frequency="weekly", weekday="friday"), "2027-03-12", ("2027-03-05", "2027-03-11"), "5 mars–11 mars 2027"),
        (rule(frequency="weekly", weekday="monday"), "2027-03-15", ("2027-03-08", "2027-03-14"), "vecka 10 2027"),
        (rule(frequency="monthly", day=5), "2027-06-05", ("2027-05-01", "2027-05-31"), "maj 2027"),
        (
            rule(frequency="quarterly", weekday="thursday", week=2),
            "2027-06-10",
            ("2027-01-01", "2027-03-31"),
            "kvartal 1 2027",
        ),
        (rule(frequency="yearly", month=2, day=10), "2027-02-10", ("2026-01-01", "2026-12-31"), "2026"),
        (
            rule(frequency="times_per_year", times_per_year=3, months=[2, 6, 10], day=15),
            "2027-06-15",
            ("2027-02-15", "2027-06-14"),
            "15 februari–14 juni 2027",
        ),
    ],
)
def test_reports_cover_the_period_of_their_cadence(
    schedule: dict[str, object], day: str, period: tuple[str, str], label: str
) -> None:
    (occurrence,) = [o for o in expand(schedule, WorkCalendar(), *YEAR) if o.key == day]
    assert occurrence.period == (date.fromisoformat(period[0]), date.fromisoformat(period[1]))
    assert period_label(*occurrence.period) == label
    (action,) = occurrence_actions("r", "report", "Lägesbild", occurrence, WorkCalendar())
    assert action.subject == f"Lägesbild – {label}" and action.period == occurrence.period


def test_a_report_comes_after_the_meeting_it_compiles() -> None:
    """Good Friday 2027 (26 March) moves the Friday report to Thursday; the Thursday meeting ends 15:00."""
    meeting = rule(frequency="weekly", weekday="thursday", time="13:00", duration_minutes=120)
    report = rule(frequency="weekly", weekday="friday", time="12:00", holidays="move_previous_working_day")
    alone = {o.key: o for o in expand(report, WorkCalendar(), *YEAR)}
    assert alone["2027-03-26"].start.isoformat() == "2027-03-25T12:00:00+01:00"
    both = expand_organisation({"mote": meeting, "rapport": {**report, "after": "mote"}}, WorkCalendar(), *YEAR)
    placed = {o.key: o for o in both["rapport"].occurrences}
    assert placed["2027-03-26"].start.isoformat() == "2027-03-25T15:00:00+01:00"
    assert placed["2027-03-26"].moved_because == "efter mote"
    assert placed["2027-03-19"].start.isoformat() == "2027-03-19T12:00:00+01:00"  # already after: untouched


# --- packets per cadence (item 4)


def test_a_cadence_switches_its_packet_on_or_off() -> None:
    meeting = rule(frequency="monthly", day=10)
    (occurrence,) = [o for o in expand(meeting, WorkCalendar(), *YEAR) if o.key == "2027-03-10"]
    plain = occurrence_actions("m", "body_meeting", "Råd", occurrence, WorkCalendar())
    off = occurrence_actions("m", "body_meeting", "Råd", occurrence, WorkCalendar(), packet=False)
    on = occurrence_actions("m", "est_meeting", "EST", occurrence, WorkCalendar(), packet=True)
    assert plain[0].attachment == "packet" and plain[0].subject.startswith("Kallelse och handlingar:")
    assert off[0].attachment is None and off[0].subject == "Kallelse: Råd onsdag 10 mars kl. 09:00"
    assert on[0].attachment == "packet" and on[0].code == "kallelse"


def test_packets_per_cadence_and_wording_that_follows_the_cadence(engine: Engine, tmp_path: Path) -> None:
    text = fagersta_with(
        "  - key: incheckning\n    trigger: body_meeting\n    title: Incheckning\n    body: est\n"
        '    packet: false\n    schedule: {frequency: monthly, weekday: monday, week: 1, time: "08:30",'
        " duration_minutes: 45}\n    notify: [samordnare, kommunpolis]\n"
        "  - key: prioriteringar\n    trigger: direction_decision\n    title: Årets prioriteringar\n"
        "    body: lokala-bra\n    schedule: {frequency: yearly, month: 2, day: 10}\n    notify: [samordnare]\n"
    )
    file = tmp_path / "fagersta.yaml"
    file.write_text(text, encoding="utf-8")
    result = validate_file(file)
    assert result.ok, [str(i) for i in result.issues]
    simulation = simulate([result], date(2027, 1, 20), date(2027, 2, 10), tmp_path / "ut", start_cycle=False)
    messages = {(m.trigger, m.kind): m for m in simulation.messages()}
    check_in = messages[("incheckning", "kallelse")]
    assert check_in.document is None and check_in.subject.startswith("Kallelse: Incheckning")
    packet = tmp_path / "ut" / "fagersta" / "beslutsunderlag-prioriteringar-2027-02-10-beslutsunderlag.html"
    html = packet.read_text(encoding="utf-8")
    assert "inriktningen för nästa år" in html and "kvartal" not in html


# --- delivery (item 5)


def _pending(engine: Engine, kind: str, due_on: date | None, not_before: datetime) -> int:
    with session_scope(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        person = session.exec(select(Person.id).where(Person.email == SAMORDNARE)).one()
        notification = Notification(
            idempotency_key=f"test:{kind}:{due_on}",
            organisation_id=org.id,  # type: ignore[arg-type]
            kind=kind,
            person_id=person,
            subject=f"Test {kind}",
            body_text="Hej",
            due_on=due_on,
            not_before=not_before,
        )
        session.add(notification)
        session.flush()
        assert notification.id is not None
        return notification.id


def test_delivery_never_holds_a_message_past_its_event(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    saturday = datetime(2027, 1, 16, 10, 0, tzinfo=STHLM)
    sunday_event = _pending(engine, "paminnelse", date(2027, 1, 17), saturday - timedelta(hours=1))
    monday_event = _pending(engine, "kallelse", date(2027, 1, 18), saturday - timedelta(hours=1))
    escalation = _pending(engine, "eskalering", date(2027, 1, 12), saturday - timedelta(hours=1))
    report = deliver_pending(engine, saturday)
    assert report.postponed == 1
    with Session(engine) as session:
        status = {n.id: n.status for n in session.exec(select(Notification)).all()}
    assert status[sunday_event] == NotificationStatus.SENT  # Monday would be after Sunday's event
    assert status[escalation] == NotificationStatus.SENT  # urgent for delivery too
    assert status[monday_event] == NotificationStatus.PENDING  # Monday is soon enough


def test_a_reminder_for_an_event_kept_on_a_saturday_is_due_the_working_day_before() -> None:
    survey = rule(frequency="yearly", month=3, weekday="saturday", week=1, holidays="keep")
    (occurrence,) = expand(survey, WorkCalendar(), *YEAR)
    assert occurrence.day == date(2027, 3, 6)
    (reminder,) = occurrence_actions("s", "survey", "Enkät", occurrence, WorkCalendar())
    assert reminder.due == date(2027, 3, 5) and reminder.about == date(2027, 3, 6)


def test_a_deadline_reminder_on_a_weekend_goes_out_the_working_day_before() -> None:
    monday = date(2027, 3, 1)
    actions = {a.code: a.due for a in deadline_actions("item:1", "item_deadline", "Lägesbild", monday, None, SUMMER)}
    assert actions == {
        "paminnelse-7": date(2027, 2, 22),
        "paminnelse-1": date(2027, 2, 26),  # Sunday 28 February → Friday
        "forfaller-idag": monday,
        "eskalering": date(2027, 3, 4),
    }
    easter = {a.code: a.due for a in deadline_actions("item:1", "item_deadline", "X", date(2027, 3, 30), None, SUMMER)}
    assert easter["paminnelse-1"] == date(2027, 3, 25)  # Easter Monday, Sunday, Saturday, Good Friday closed


# --- the message preview (item 6)


def test_simulate_lists_every_message_as_json_and_csv(tmp_path: Path) -> None:
    file = str(EXAMPLES / "fagersta.yaml")
    shown = CliRunner().invoke(
        app, ["simulate", file, "--from", "2027-06-01", "--to", "2027-06-10", "--no-cycle", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    messages = json.loads(shown.stdout)["messages"]
    report = next(m for m in messages if m["kind"] == "manadsrapport")
    assert {k: v for k, v in report.items() if k not in ("roles", "persons")} == {
        "send_at": "2027-06-07T08:00:00+02:00",
        "organisation": "fagersta",
        "kind": "manadsrapport",
        "trigger": "est-manadsrapport",
        "subject": "EST-rapport till Länsstyrelsen Västmanland och Lokala BRÅ – maj 2027",
        "occurrence": "2027-06-05",
        "occurrence_date": "2027-06-07",
        "event_at": "2027-06-07T10:00:00+02:00",
        "document": "rapport",
        "period": ["2027-05-01", "2027-05-31"],
    }
    assert {"lansstyrelsen-samordnare", "samordnare"} <= set(report["roles"]) and report["persons"] == 8
    target = tmp_path / "meddelanden.csv"
    written = CliRunner().invoke(
        app, ["simulate", file, "--from", "2027-06-01", "--to", "2027-06-10", "--no-cycle", "--out", str(target)]
    )
    assert written.exit_code == 0, written.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads å, ä, ö right
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:3] == ["Skickas", "Organisation", "Slag"] and len(rows) == len(messages) + 1
    assert ["2027-06-07 08:00", "fagersta", "EST-rapport"] in [row[:3] for row in rows]
