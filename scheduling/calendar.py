"""The årshjul of one organisation: every cadence occurrence in a period, as JSON, text or iCalendar.

Feeds can be narrowed to one body (its meetings, and what is addressed to it) or one role (what is
addressed to the role or to a body it sits in). UIDs are stable, so a re-exported or re-fetched feed
updates events instead of duplicating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from samverkan.core.issues import ConfigIssue
from samverkan.core.labels import WEEKDAYS_SHORT_SV, label
from samverkan.orgconfig.places import place_of, stored_rule
from samverkan.scheduling import ics
from samverkan.scheduling.arshjul import expand_organisation, starting_in
from samverkan.scheduling.cadence import Expansion
from samverkan.scheduling.ics import generation_time
from samverkan.scheduling.workdays import WorkCalendar

if TYPE_CHECKING:  # types only: the sweep imports this module and needs neither the schema nor the YAML reader
    from samverkan.orgconfig.schema import OrgConfig
    from samverkan.orgconfig.validate import ValidationResult

MEETING_KINDS = frozenset({"est_meeting", "body_meeting", "direction_decision", "yearly_review"})


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
    location: str | None = None
    online_url: str | None = None

    @property
    def sequence(self) -> int:
        """The event's revision: an occurrence moved off its nominal day (a break, a holiday) is revision 1."""
        return 1 if self.moved_from else 0

    @property
    def is_meeting(self) -> bool:
        """A meeting books the time; a report or a reminder does not."""
        return self.kind in MEETING_KINDS

    def description(self) -> str:
        kind = label(self.kind)
        text = f"{kind[:1].upper()}{kind[1:]}."  # "EST-möte", not "Est-möte"
        if self.body_name:
            text += f" {self.body_name}."
        if self.moved_from:
            text += f" Flyttat från {self.moved_from} ({self.moved_because})."
        if self.online_url:
            text += f" Delta på distans: {self.online_url}"
        return text

    def ics(
        self,
        stamp: datetime,
        organizer: ics.Party | None = None,
        attendees: tuple[ics.Party, ...] = (),
        cancelled: bool = False,
    ) -> ics.EventLines:
        """This event as a VEVENT; an invitation adds its organizer and attendees (or cancels it)."""
        return ics.EventLines(
            uid=self.uid,
            start=self.start,
            end=self.end,
            summary=self.title,
            stamp=stamp,
            sequence=self.sequence,
            description=self.description(),
            location=self.location,
            url=self.online_url,
            categories=label(self.kind),
            transparent=not self.is_meeting,
            organizer=organizer,
            attendees=attendees,
            cancelled=cancelled,
        )

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
            "location": self.location,
            "online_url": self.online_url,
        }


def event_uid(organisation: str, cadence: str, occurrence: str) -> str:
    """An occurrence's UID, stable across exports, feeds and invitations (the occurrence key is its nominal
    date, so a moved occurrence keeps its UID and the calendar moves the event)."""
    return f"{organisation}.{cadence}.{occurrence}@samverkan"


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
    return {c.key: stored_rule(config, c) for c in config.cadences}


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
    rules = cadence_rules(config)
    occurrences = starting_in(rules, work_calendar(config), first, last, titles)
    for cadence in config.cadences:
        location, online_url = place_of(rules[cadence.key])
        roles = addressed_roles(config, list(cadence.notify) or ([cadence.body] if cadence.body else []), None)
        for occurrence in occurrences[cadence.key]:
            events.append(
                CalendarEvent(
                    uid=event_uid(org, cadence.key, occurrence.key),
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
                    location=location,
                    online_url=online_url,
                )
            )
    return sorted(events, key=lambda e: (e.start, e.cadence))


def schedule_issues(result: ValidationResult, first: date, last: date) -> list[ConfigIssue]:
    """The warnings of `schedule_warnings` located at each cadence's schedule (FILE:LINE: varning: ...)."""
    if result.config is None:
        return []
    index = {c.key: i for i, c in enumerate(result.config.cadences)}
    issues = []
    for key, message in schedule_warnings(result.config, first, last):
        path = ("cadences", index[key], "schedule")
        issues.append(ConfigIssue(result.file, result.line_of(path), message, path, "varning"))
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


def as_ics(events: list[CalendarEvent], name: str, generated: datetime | None = None) -> str:
    """The feed as iCalendar: DTSTAMP the time it is written (`generated`), each event in Stockholm time with
    its revision, place and link; reports and reminders do not book the time (TRANSP:TRANSPARENT)."""
    stamp = generated or generation_time()
    return ics.calendar([event.ics(stamp) for event in events], "PUBLISH", name)
