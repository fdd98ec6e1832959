"""Calendar invitations with calls, the .ics feed, meeting places and e-mail as municipal IT expects it.

Every .ics is parsed with `icalendar` and expanded with `recurring_ical_events`, as a calendar program would;
every e-mail is captured by a real SMTP server on loopback.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy.engine import Engine

from samverkan.database import session_scope
from samverkan.notifications.delivery import deliver_pending
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.roles.address import role_title, salutation
from samverkan.scheduling.calendar import as_ics, organisation_events
from samverkan.scheduling.ics import Party
from samverkan.services.calendar_feed import organisation_calendar
from samverkan.services.invitations import invitation
from samverkan.services.sweep import sweep
from tests.receivers import SmtpServer
from tests.test_delivery import fagersta_text

STHLM = ZoneInfo("Europe/Stockholm")
YEAR = (date(2027, 1, 1), date(2027, 12, 31))
TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_est"
EST_ROOM = "Stadshuset, sammanträdesrum Åsen"
BRA_ROOM = "Kommunhuset, KS-salen"
MARIA, JOHAN = "maria.exempelsson@fagersta.example", "johan.provare@polisen.example"
AHMED, HELENA = "ahmed.teknikum@nvkf.example", "helena.lansson@lansstyrelsen.example"


def placed_text() -> str:
    """Fagersta with a room and a Teams link for the EST group, and a room of its own for one cadence."""
    text = fagersta_text()
    text = text.replace(
        "    convener: samordnare\n",
        f'    convener: samordnare\n    location: "{EST_ROOM}"\n    online_url: "{TEAMS}"\n',
    )
    return text.replace("    notify: [lokala-bra]\n", f'    notify: [lokala-bra]\n    location: "{BRA_ROOM}"\n', 1)


def load(engine: Engine) -> None:
    with session_scope(engine) as session:
        result = validate_text(placed_text(), "fagersta.yaml")
        assert result.ok, [str(i) for i in result.issues]
        load_config(session, result)


def parse(text: str) -> Calendar:
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    return Calendar.from_ical(text)


def events_of(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_has_generation_time_revisions_places_free_reports_and_a_timezone() -> None:
    result = validate_text(placed_text(), "fagersta.yaml")
    assert result.config is not None
    generated = datetime(2026, 11, 26, 8, 15, 3, tzinfo=UTC)
    events = organisation_events(result.config, *YEAR)
    calendar = parse(as_ics(events, "Fagersta kommun – årshjul", generated))
    assert str(calendar["METHOD"]) == "PUBLISH"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Stockholm"
    parsed = events_of(calendar)
    assert (
        set(parsed) == {e.uid for e in events} and len(parsed) == len(events) == 102
    )  # with the weekly lägesbilder (issue 17)
    for event in events:
        vevent = parsed[event.uid]
        assert vevent.decoded("DTSTAMP") == generated  # when the file was made, not when the event starts
        assert vevent.decoded("DTSTART") == event.start and vevent.decoded("DTEND") == event.end
        assert vevent["DTSTART"].params["TZID"] == "Europe/Stockholm"
        assert int(vevent["SEQUENCE"]) == (1 if event.moved_from else 0)
        assert str(vevent["TRANSP"]) == (
            "OPAQUE" if event.kind.endswith(("meeting", "decision", "review")) else "TRANSPARENT"
        )
    est = parsed["fagersta.est-mote.2027-01-19@samverkan"]
    assert str(est["LOCATION"]) == EST_ROOM and str(est["URL"]) == TEAMS and TEAMS in str(est["DESCRIPTION"])
    assert str(parsed["fagersta.lokala-bra-mote.2027-02-11@samverkan"]["LOCATION"]) == BRA_ROOM  # the cadence's own
    report = parsed["fagersta.est-manadsrapport.2027-02-05@samverkan"]
    assert str(report["TRANSP"]) == "TRANSPARENT" and str(report["LOCATION"]) == EST_ROOM  # the body's place
    assert "LOCATION" not in parsed["fagersta.arsuppfoljning.2027-11-17@samverkan"]  # the styrgrupp has none
    moved = [e for e in events if e.moved_from]
    assert moved, "the example has holidays that move an occurrence"
    # A calendar program expands it to the same 50 occurrences at the same instants.
    expanded = recurring_ical_events.of(calendar).between(
        datetime(2027, 1, 1, tzinfo=STHLM), datetime(2028, 1, 1, tzinfo=STHLM)
    )
    assert sorted((str(e["UID"]), e.decoded("DTSTART")) for e in expanded) == sorted((e.uid, e.start) for e in events)


def test_the_feed_from_the_database_has_the_places_too(engine: Engine) -> None:
    load(engine)
    with session_scope(engine) as session:
        events = organisation_calendar(session, "fagersta", *YEAR)
    before = datetime.now(UTC).replace(microsecond=0)
    calendar = parse(as_ics(events, "Fagersta"))
    parsed = events_of(calendar)
    assert len(parsed) == 102
    est = parsed["fagersta.est-mote.2027-01-19@samverkan"]
    assert str(est["LOCATION"]) == EST_ROOM and str(est["URL"]) == TEAMS
    assert before <= est.decoded("DTSTAMP") <= datetime.now(UTC)
    assert str(parsed["fagersta.lokala-bra-mote.2027-02-11@samverkan"]["LOCATION"]) == BRA_ROOM


def calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]  # type: ignore[misc]


def sweep_and_deliver(engine: Engine, day: date, kind: str, documents: Path) -> dict[str, Any]:
    with session_scope(engine) as session:
        result = sweep(
            session,
            datetime(day.year, day.month, day.day, 6, tzinfo=STHLM),
            kinds=[kind],
            lookback_days=0,
            documents_dir=documents,
            pdf=False,
        ).to_dict()
    deliver_pending(engine, datetime(day.year, day.month, day.day, 8, 30, tzinfo=STHLM))
    return result


def test_a_call_is_a_calendar_invitation_and_an_email_municipal_it_accepts(
    engine: Engine, smtp_settings: SmtpServer, tmp_path: Path
) -> None:
    load(engine)
    result = sweep_and_deliver(engine, date(2027, 1, 12), "est_meeting", tmp_path)  # 5 working days before 19 Jan
    assert result["actions"] == {"kallelse": 1}
    [message] = smtp_settings.to(JOHAN)
    assert str(message["Subject"]) == "Kallelse: EST-möte tisdag 19 januari kl. 09:00"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Content-Language"] == "sv"
    assert getaddresses([str(message["From"])]) == [("Samverkan – Fagersta kommun", "samverkan@fagersta.example")]
    assert [address for _, address in getaddresses([str(message["Reply-To"])])] == [MARIA]
    assert message["List-Unsubscribe"] is None  # nothing to unsubscribe from: the role's work is the reason
    text = SmtpServer.text(message).replace("\r\n", "\n")
    assert text.startswith("Till kommunpolis vid Lokalpolisområde Norra Västmanland,\n")
    assert f"Plats: {EST_ROOM}" in text and f"Delta på distans: {TEAMS}" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None and f'<a href="{TEAMS}"' in html.get_content()
    link = text.split("Öppna Samverkan: ", 1)[1].split("\n", 1)[0]
    assert link.endswith("/org/fagersta") and f'<a href="{link}"' in html.get_content()

    [part] = calendar_parts(message)
    assert part.get_params() is not None and ("method", "REQUEST") in part.get_params()  # type: ignore[operator]
    assert part.get_filename() == "kallelse-est-mote-2027-01-19.ics"
    calendar = parse(part.get_payload(decode=True).decode("utf-8"))  # type: ignore[union-attr]
    assert str(calendar["METHOD"]) == "REQUEST" and calendar.walk("VTIMEZONE")
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "fagersta.est-mote.2027-01-19@samverkan"  # the feed's UID: one event, not two
    assert int(event["SEQUENCE"]) == 0 and str(event["LOCATION"]) == EST_ROOM
    assert event.decoded("DTSTART") == datetime(2027, 1, 19, 9, tzinfo=STHLM)
    assert event.decoded("DTEND") == datetime(2027, 1, 19, 10, 30, tzinfo=STHLM)
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("DTSTAMP") == datetime(2027, 1, 12, 6, tzinfo=STHLM)  # when the call was written
    assert str(event["ORGANIZER"]) == f"mailto:{MARIA}"  # the EST group's convener
    assert event["ORGANIZER"].params["CN"] == "Maria Exempelsson"
    attendees = sorted(str(a).removeprefix("mailto:") for a in event["ATTENDEE"])
    called = sorted(recipients[0] for recipients, _ in smtp_settings.received)
    assert attendees == called and JOHAN in attendees and len(attendees) == 6  # every member called, once
    assert all(len(calendar_parts(m)) == 1 for _, m in smtp_settings.received)


def test_calls_without_a_meeting_place_and_other_messages(
    engine: Engine, smtp_settings: SmtpServer, tmp_path: Path
) -> None:
    load(engine)
    sweep_and_deliver(engine, date(2027, 2, 4), "body_meeting", tmp_path)  # Lokala BRÅ on 11 February
    [message] = smtp_settings.to(AHMED)
    text = SmtpServer.text(message).replace("\r\n", "\n")
    # The role's name as written: no lower-cased proper nouns.
    assert text.startswith("Till förbundschef Norra Västmanlands kommunalteknikförbund i Fagersta kommun,\n")
    assert f"Plats: {BRA_ROOM}" in text and "Delta på distans" not in text
    names = sorted(str(a.get_filename()) for a in message.iter_attachments())
    assert names == [
        "beslutsunderlag-lokala-bra-mote-2027-02-11-kallelse.html",
        "kallelse-lokala-bra-mote-2027-02-11.ics",
    ]
    packet = (tmp_path / "fagersta" / names[0]).read_text(encoding="utf-8")
    assert f'<tr><th scope="row">Plats</th><td>{BRA_ROOM}</td></tr>' in packet  # the packet says where, in one line
    [event] = parse(calendar_parts(message)[0].get_payload(decode=True).decode()).walk("VEVENT")  # type: ignore[union-attr]
    assert str(event["LOCATION"]) == BRA_ROOM and "URL" not in event
    assert str(event["ORGANIZER"]) == f"mailto:{MARIA}"  # Lokala BRÅ has no convener: the coordinator
    smtp_settings.received.clear()
    sweep_and_deliver(engine, date(2027, 2, 5), "est_report", tmp_path)  # a report: no invitation
    [report] = smtp_settings.to(HELENA)
    assert (
        SmtpServer.text(report)
        .replace("\r\n", "\n")
        .startswith("Till regional samordnare brottsförebyggande vid Länsstyrelsen Västmanland,")
    )
    assert calendar_parts(report) == [] and report["Auto-Submitted"] == "auto-generated"


def test_a_cancellation_has_the_same_uid_and_the_next_sequence() -> None:
    result = validate_text(placed_text(), "fagersta.yaml")
    assert result.config is not None
    [event] = [e for e in organisation_events(result.config, *YEAR) if e.uid.startswith("fagersta.est-mote.2027-01-19")]
    maria, johan = Party("Maria Exempelsson", MARIA), Party("Johan Prövare", JOHAN)
    stamp = datetime(2027, 1, 14, 9, tzinfo=UTC)
    request = events_of(parse(invitation(event, maria, [johan], stamp)))[event.uid]
    cancel_calendar = parse(invitation(event, maria, [johan], stamp + timedelta(hours=1), "CANCEL"))
    assert str(cancel_calendar["METHOD"]) == "CANCEL"
    cancel = events_of(cancel_calendar)[event.uid]
    assert int(cancel["SEQUENCE"]) == int(request["SEQUENCE"]) + 1
    assert str(cancel["STATUS"]) == "CANCELLED" and str(request["STATUS"]) == "CONFIRMED"


def test_greetings_keep_names_as_written() -> None:
    assert role_title("Förbundschef Norra Västmanlands kommunalteknikförbund") == (
        "förbundschef Norra Västmanlands kommunalteknikförbund"
    )
    assert role_title("EST-representant skolan") == "EST-representant skolan"
    assert role_title("Kommunstyrelsens ordförande") == "kommunstyrelsens ordförande"
    assert salutation("Kommunpolis", "Fagersta kommun") == "Till kommunpolis i Fagersta kommun"
    assert (
        salutation(
            "Regional samordnare brottsförebyggande", "Fagersta kommun", "Länsstyrelsen Västmanland", "lansstyrelse"
        )
        == "Till regional samordnare brottsförebyggande vid Länsstyrelsen Västmanland"
    )
    assert (
        salutation("Socialchef", "Fagersta kommun", "Fagersta kommun", "kommun") == "Till socialchef i Fagersta kommun"
    )


def reload(engine: Engine, text: str) -> None:
    with session_scope(engine) as session:
        result = validate_text(text, "fagersta.yaml")
        assert result.ok, [str(i) for i in result.issues]
        load_config(session, result)


def invitation_of(message: EmailMessage) -> Any:
    [part] = calendar_parts(message)
    calendar = parse(part.get_payload(decode=True).decode("utf-8"))  # type: ignore[union-attr]
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), dict(part.get_params() or [])["method"], event


def test_a_moved_meeting_sends_an_update_and_a_removed_one_a_cancellation(
    engine: Engine, smtp_settings: SmtpServer, tmp_path: Path
) -> None:
    load(engine)
    sweep_and_deliver(engine, date(2027, 1, 12), "est_meeting", tmp_path)
    assert len(smtp_settings.received) == 6
    moved = placed_text().replace('start: 2027-01-05, time: "09:00"', 'start: 2027-01-05, time: "13:00"')
    assert moved != placed_text()
    reload(engine, moved)
    smtp_settings.received.clear()
    sweep_and_deliver(engine, date(2027, 1, 13), "est_meeting", tmp_path)
    [update] = smtp_settings.to(JOHAN)
    assert str(update["Subject"]) == "Ändrad kallelse: EST-möte tisdag 19 januari kl. 13:00"
    text = SmtpServer.text(update).replace("\r\n", "\n")
    assert "EST-möte är ändrat: tisdag 19 januari kl. 13:00 (tidigare tisdag 19 januari kl. 09:00)." in text
    method, content_method, event = invitation_of(update)
    assert method == content_method == "REQUEST"
    assert str(event["UID"]) == "fagersta.est-mote.2027-01-19@samverkan" and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2027, 1, 19, 13, tzinfo=STHLM)
    assert len(smtp_settings.received) == 6 and str(event["ORGANIZER"]) == f"mailto:{MARIA}"
    smtp_settings.received.clear()
    sweep_and_deliver(engine, date(2027, 1, 14), "est_meeting", tmp_path)
    assert smtp_settings.received == []  # announced once
    reload(engine, moved.replace("Kommunikationsansvarig", "Kommunikationschef"))  # a change elsewhere in the file
    sweep_and_deliver(engine, date(2027, 1, 14), "est_meeting", tmp_path)
    assert smtp_settings.received == []  # the meeting is as announced: nothing to send

    start = moved.index("  - key: est-mote\n")
    removed = moved[:start] + moved[moved.index("  - key: est-manadsrapport\n") :]
    reload(engine, removed)
    sweep_and_deliver(engine, date(2027, 1, 15), "est_meeting", tmp_path)
    [cancel] = smtp_settings.to(JOHAN)
    assert str(cancel["Subject"]) == "Inställt: EST-möte tisdag 19 januari kl. 13:00"
    method, content_method, event = invitation_of(cancel)
    assert method == content_method == "CANCEL"
    assert str(event["UID"]) == "fagersta.est-mote.2027-01-19@samverkan" and int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED" and len(smtp_settings.received) == 6
    smtp_settings.received.clear()
    sweep_and_deliver(engine, date(2027, 1, 18), "est_meeting", tmp_path)
    sweep_and_deliver(engine, date(2027, 1, 20), "est_meeting", tmp_path)
    assert smtp_settings.received == []  # cancelled once; a past meeting is left alone


def test_a_meeting_link_must_be_https_and_is_located_in_the_file() -> None:
    text = placed_text().replace(f'online_url: "{TEAMS}"', 'online_url: "teams.microsoft.com/l/x"')
    result = validate_text(text, "fagersta.yaml")
    assert not result.ok
    [issue] = [str(i) for i in result.issues if "online_url" in str(i)]
    line = text.splitlines().index('    online_url: "teams.microsoft.com/l/x"') + 1
    assert issue.startswith(f"fagersta.yaml:{line}:") and "fel form" in issue
