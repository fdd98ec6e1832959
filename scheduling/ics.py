"""Writing iCalendar (RFC 5545): escaping, folding, Europe/Stockholm times with their VTIMEZONE, one VEVENT.

The one place both the årshjul feed (METHOD:PUBLISH) and a kallelse's invitation (METHOD:REQUEST / CANCEL)
write events from, so they agree on UIDs, times, places and revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from samverkan.core.reproducible import operator_epoch
from samverkan.core.timeutil import STOCKHOLM, utcnow

TZID = "Europe/Stockholm"
CALENDAR_SUFFIX = ".ics"
PRODID = "-//Samverkan//Årshjul//SV"

# Europe/Stockholm as the EU rule has it since 1996: CEST from the last Sunday of March 02:00, CET from the
# last Sunday of October 03:00. Every local time we write lies after 1996, so these two rules cover them all.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZNAME:CEST",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "DTSTART:19960331T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZNAME:CET",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF and a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def generation_time() -> datetime:
    """DTSTAMP: when the file is written (RFC 5545 §3.8.7.2), or SOURCE_DATE_EPOCH where a reproducible
    file is wanted (the reproducible-builds convention)."""
    epoch = operator_epoch()  # never the PDF renderer's momentary value
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else utcnow()


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local(name: str, moment: datetime) -> str:
    """A DTSTART/DTEND line in Stockholm wall-clock time, referring to the VTIMEZONE."""
    return f"{name};TZID={TZID}:{moment.astimezone(STOCKHOLM):%Y%m%dT%H%M%S}"


@dataclass(frozen=True)
class Party:
    """An organizer or attendee: a name and an e-mail address."""

    name: str
    email: str

    def line(self, prop: str, params: str = "") -> str:
        cn = self.name.replace('"', "'")
        return f'{prop};CN="{cn}"{params}:mailto:{self.email}'


@dataclass(frozen=True)
class EventLines:
    """What one VEVENT says. `sequence` is its revision: a moved or changed event has a higher one."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    stamp: datetime
    sequence: int = 0
    description: str | None = None
    location: str | None = None
    url: str | None = None
    categories: str | None = None
    transparent: bool = False
    cancelled: bool = False
    organizer: Party | None = None
    attendees: tuple[Party, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        lines = [
            "BEGIN:VEVENT",
            f"UID:{self.uid}",
            f"DTSTAMP:{utc(self.stamp)}",
            f"SEQUENCE:{self.sequence}",
            local("DTSTART", self.start),
            local("DTEND", self.end),
            f"SUMMARY:{escape(self.summary)}",
        ]
        if self.description:
            lines.append(f"DESCRIPTION:{escape(self.description)}")
        if self.location:
            lines.append(f"LOCATION:{escape(self.location)}")
        if self.url:
            lines.append(f"URL:{self.url}")
        if self.categories:
            lines.append(f"CATEGORIES:{escape(self.categories)}")
        if self.organizer is not None:
            lines.append(self.organizer.line("ORGANIZER"))
        for attendee in self.attendees:
            lines.append(attendee.line("ATTENDEE", ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"))
        lines.append("STATUS:CANCELLED" if self.cancelled else "STATUS:CONFIRMED")
        lines.append("TRANSP:TRANSPARENT" if self.transparent else "TRANSP:OPAQUE")
        lines.append("END:VEVENT")
        return lines


def calendar(events: list[EventLines], method: str, name: str | None = None) -> str:
    """A whole VCALENDAR (CRLF line ends, folded), with the VTIMEZONE its local times refer to."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", f"METHOD:{method}"]
    if name is not None:
        lines += [f"X-WR-CALNAME:{escape(name)}", f"X-WR-TIMEZONE:{TZID}"]
    lines += VTIMEZONE
    for event in events:
        lines += event.lines()
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def replace_sequence(event: EventLines, sequence: int) -> EventLines:
    """The same event at another revision (an update or a cancellation goes out with a higher SEQUENCE)."""
    return replace(event, sequence=sequence)


def calendar_method(path: Path) -> str | None:
    """The iTIP method (REQUEST, CANCEL ...) of a calendar file to attach; None for any other file."""
    if path.suffix != CALENDAR_SUFFIX or not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("METHOD:"):
            return line.removeprefix("METHOD:").strip() or None
    return None
