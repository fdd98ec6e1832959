"""The årshjul of one organisation: every cadence occurrence in a period, as JSON, text or iCalendar.

Feeds can be narrowed to one body (its meetings, and what is addressed to it) or one role (what is
addressed to the role or to a body it sits in). UIDs are stable, so a re-exported or re-fetched feed
updates events instead of duplicating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from samverkan.core.issues import ConfigIssue
from samverkan.core.labels import WEEKDAYS_SHORT_SV, label
from samverkan.core.yaml_source import read_yaml
from samverkan.orgconfig.schema import OrgConfig
from samverkan.orgconfig.validate import ValidationResult
from samverkan.scheduling.arshjul import expand_organisation, starting_in
from samverkan.scheduling.cadence import Expansion
from samverkan.scheduling.workdays import WorkCalendar


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    organisation: str
    cadence: str
    occurrence: str
    kind: str
    title: str
    body: str | None
    body_name: str | None
    start: datetime
    end: datetime
    notify: tuple[str, ...]
    roles: tuple[str, ...]
    moved_from: date | None
    moved_because: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "organisation": self.organisation,
            "cadence": self.cadence,
            "occurrence": self.occurrence,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "body_name": self.body_name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "notify": list(self.notify),
            "roles": list(self.roles),
            "moved_from": self.moved_from.isoformat() if self.moved_from else None,
            "moved_because": self.moved_because,
        }


def work_calendar(config: OrgConfig) -> WorkCalendar:
    return WorkCalendar.from_settings([b.model_dump(by_alias=True) for b in config.breaks])


def addressed_roles(config: OrgConfig, targets: list[str], body: str | None) -> tuple[str, ...]:
    """Role keys a cadence addresses: named roles, and the chair, convener and members of named bodies."""
    bodies = {b.key: b for b in config.bodies}
    roles: set[str] = set()
    for target in targets:
        if target in bodies:
            spec = bodies[target]
            roles |= set(spec.members) | {r for r in (spec.chair, spec.convener) if r}
        else:
            roles.add(target)
    return tuple(sorted(roles))


def cadence_rules(config: OrgConfig) -> dict[str, dict[str, Any]]:
    """Each cadence's rule as the database stores it (the schedule, plus the cadence's packet setting)."""
    return {c.key: c.rule() for c in config.cadences}


def organisation_expansions(config: OrgConfig, first: date, last: date) -> dict[str, Expansion]:
    """Every cadence expanded over [first, last] by nominal date, `after:` applied."""
    titles = {c.key: c.title for c in config.cadences}
    return expand_organisation(cadence_rules(config), work_calendar(config), first, last, titles)


def organisation_events(config: OrgConfig, first: date, last: date) -> list[CalendarEvent]:
    """The events whose actual start lies in [first, last] (an event moved into the window is in it, one
    moved out of it is not)."""
    body_names = {b.key: b.name for b in config.bodies}
    org = config.organisation.key
    events = []
    titles = {c.key: c.title for c in config.cadences}
    occurrences = starting_in(cadence_rules(config), work_calendar(config), first, last, titles)
    for cadence in config.cadences:
        roles = addressed_roles(config, list(cadence.notify) or ([cadence.body] if cadence.body else []), None)
        for occurrence in occurrences[cadence.key]:
            events.append(
                CalendarEvent(
                    uid=f"{org}.{cadence.key}.{occurrence.key}@samverkan",
                    organisation=org,
                    cadence=cadence.key,
                    occurrence=occurrence.key,
                    kind=cadence.trigger,
                    title=cadence.title,
                    body=cadence.body,
                    body_name=body_names.get(cadence.body or ""),
                    start=occurrence.start,
                    end=occurrence.end,
                    notify=tuple(cadence.notify),
                    roles=roles,
                    moved_from=occurrence.moved_from,
                    moved_because=occurrence.moved_because,
                )
            )
    return sorted(events, key=lambda e: (e.start, e.cadence))


def schedule_issues(result: ValidationResult, first: date, last: date) -> list[ConfigIssue]:
    """The warnings of `schedule_warnings` located at each cadence's schedule (FILE:LINE: varning: ...)."""
    if result.config is None:
        return []
    doc = read_yaml(result.source_text, result.file)
    index = {c.key: i for i, c in enumerate(result.config.cadences)}
    issues = []
    for key, message in schedule_warnings(result.config, first, last):
        path = ("cadences", index[key], "schedule")
        issues.append(ConfigIssue(result.file, doc.line_of(path), message, path, "varning"))
    return issues


def schedule_warnings(config: OrgConfig, first: date, last: date) -> list[tuple[str, str]]:
    """(cadence key, Swedish warning) for every occurrence in [first, last] that is skipped or merged."""
    titles = {c.key: c.title for c in config.cadences}
    return [
        (key, dropped.describe(titles[key]))
        for key, expansion in organisation_expansions(config, first, last).items()
        for dropped in expansion.dropped
    ]


def feed(
    events: list[CalendarEvent], config: OrgConfig, *, body: str | None = None, role: str | None = None
) -> list[CalendarEvent]:
    """Narrow a calendar to one body's feed or one role's feed."""
    if body is not None:
        return [e for e in events if e.body == body or body in e.notify]
    if role is not None:
        sits_in = {b.key for b in config.bodies if role in b.members or role in (b.chair, b.convener)}
        return [e for e in events if role in e.roles or (e.body in sits_in)]
    return events


def as_text(events: list[CalendarEvent], heading: str) -> str:
    lines = [heading, ""]
    for event in events:
        start = event.start
        where = f" – {event.body_name}" if event.body_name else ""
        moved = f" (flyttat från {event.moved_from}: {event.moved_because})" if event.moved_from else ""
        lines.append(
            f"{start:%Y-%m-%d} {WEEKDAYS_SHORT_SV[start.weekday()]} {start:%H:%M}  {event.title}{where}{moved}"
        )
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
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


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def as_ics(events: list[CalendarEvent], name: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Samverkan//Årshjul//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-WR-TIMEZONE:Europe/Stockholm",
    ]
    for event in events:
        description = f"{label(event.kind).capitalize()}."
        if event.body_name:
            description += f" {event.body_name}."
        if event.moved_from:
            description += f" Flyttat från {event.moved_from} ({event.moved_because})."
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_utc(event.start)}",  # deterministic: the same command gives the same file
            f"DTSTART:{_utc(event.start)}",
            f"DTEND:{_utc(event.end)}",
            f"SUMMARY:{_escape(event.title)}",
            f"DESCRIPTION:{_escape(description)}",
            f"CATEGORIES:{_escape(label(event.kind))}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
