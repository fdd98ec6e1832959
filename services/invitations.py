"""A kallelse as a calendar invitation: the iTIP REQUEST (RFC 5546) that goes with a call, so Outlook and
other calendar programs offer to add the meeting.

One invitation per call and occurrence, listing every person called as an ATTENDEE, the body's convener
(else the coordinator) as ORGANIZER, the meeting's place and link. Its UID is the occurrence's UID in the
årshjul feed, so the invitation and the subscribed feed are the same event. It is written beside the
call's packet (a file like the packet, attached by delivery with `text/calendar; method=REQUEST`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from samverkan.orgconfig.places import place_of
from samverkan.scheduling import ics
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.calendar import CalendarEvent, event_uid


def meeting_event(org_key: str, cadence: Any, body: Any, occurrence: Occurrence) -> CalendarEvent:
    """The årshjul event of one occurrence of a cadence (a stored Cadence row; `body` its Body or None)."""
    location, online_url = place_of(cadence.rule)
    return CalendarEvent(
        uid=event_uid(org_key, cadence.key, occurrence.key),
        organisation=org_key,
        cadence=cadence.key,
        occurrence=occurrence.key,
        kind=str(cadence.trigger),
        title=cadence.title,
        body=body.key if body is not None else None,
        body_name=body.name if body is not None else None,
        start=occurrence.start,
        end=occurrence.end,
        notify=tuple(cadence.notify),
        roles=(),
        moved_from=occurrence.moved_from,
        moved_because=occurrence.moved_because,
        location=location,
        online_url=online_url,
    )


def party(person: Any) -> ics.Party:
    """A person (a Person or a plain row) as an organizer or attendee."""
    return ics.Party(person.name, person.email)


def invitation(
    event: CalendarEvent,
    organizer: ics.Party,
    attendees: list[ics.Party],
    stamp: datetime,
    method: str = "REQUEST",
    sequence: int | None = None,
) -> str:
    """The invitation (REQUEST) or its withdrawal (CANCEL, same UID) as one VCALENDAR. `sequence` is the
    revision sent (by default the event's own; a cancellation of it, the next)."""
    cancelled = method == "CANCEL"
    vevent = event.ics(stamp, organizer, tuple(sorted(set(attendees), key=lambda p: p.email)), cancelled)
    if sequence is None:
        sequence = vevent.sequence + 1 if cancelled else vevent.sequence
    return ics.calendar([ics.replace_sequence(vevent, sequence)], method)


def write_invitation(folder: Path, text: str, event: CalendarEvent, revision: int | None = None) -> Path:
    """Write the invitation beside the call's packet (a later revision beside it); stable file names, so a
    re-run replaces it (unchanged content is left alone)."""
    # Imported here: the PDF module (process pool, ctypes, multiprocessing) only when documents are written, not in
    # every sweep process that merely computes the meeting's event.
    from samverkan.services.pdfa import write_atomically

    folder = folder / event.organisation
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"-{revision}" if revision else ""
    path = folder / f"kallelse-{event.cadence}-{event.occurrence}{suffix}{ics.CALENDAR_SUFFIX}"
    write_atomically(path, text.encode("utf-8"))  # whole or not at all: delivery may be reading it
    return path


def snapshot(
    event: CalendarEvent, organizer: ics.Party, invited: list[tuple[int, str]], config: str | None, sequence: int = 0
) -> dict[str, Any]:
    """What an invitation said, kept with the call's occurrence record: what a later change is compared with,
    who gets the update (person id, role key), and the organisation file it was made from (`config`, its
    fingerprint: while that is unchanged, so is the meeting)."""
    return {
        "config": config,
        "sequence": sequence,
        "title": event.title,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "location": event.location,
        "online_url": event.online_url,
        "organizer": [organizer.name, organizer.email],
        "invited": [list(pair) for pair in invited],
        "cancelled": False,
    }


def changed(sent: dict[str, Any], event: CalendarEvent | None) -> bool:
    """Whether the meeting is no longer what its invitation said (moved, another place or link, cancelled, or
    back after a cancellation)."""
    if event is None:
        return not sent.get("cancelled")
    now = (event.start.isoformat(), event.end.isoformat(), event.location, event.online_url)
    return bool(sent.get("cancelled")) or now != (sent["start"], sent["end"], sent["location"], sent["online_url"])
