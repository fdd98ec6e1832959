"""The årshjul from the database: every occurrence of an organisation's cadences, and a person's own feed
(the meetings and reports their roles are addressed by), for the web page and the .ics subscription."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from samverkan.core.ids import saved_id
from samverkan.models import Person
from samverkan.orgconfig.places import place_of
from samverkan.scheduling.arshjul import starting_in
from samverkan.scheduling.calendar import CalendarEvent, event_uid
from samverkan.scheduling.closures import Closure, breaks_in, holidays_in
from samverkan.services.my_work import held_roles
from samverkan.services.overview import find_organisation
from samverkan.services.sweep import load_contexts


def organisation_calendar(
    session: Session, org_key: str, first: date, last: date, person: Person | None = None
) -> list[CalendarEvent]:
    """Occurrences in [first, last]; with `person`, only those addressed to one of their roles."""
    organisation = find_organisation(session, org_key)
    contexts = load_contexts(session, [organisation.key])
    if not contexts:
        return []
    context = contexts[0]
    mine: set[int | None] | None = None
    if person is not None:
        own = saved_id(organisation)
        mine = {r.id for day in (first, last) for r in held_roles(session, person, day).get(own, [])}
    body_names = {b.id: b.name for b in context.bodies.values()}
    body_keys = {b.id: k for k, b in context.bodies.items()}
    targets = context.cadence_targets()
    rules = {c.key: c.rule for c in context.cadences}
    occurrences = starting_in(rules, context.calendar, first, last, {c.key: c.title for c in context.cadences})
    events = []
    for cadence in context.cadences:
        roles = [r for target in targets[cadence.key] for r in context.roles_for(target)]
        if mine is not None and not any(r.id in mine for r in roles):
            continue
        location, online_url = place_of(cadence.rule)
        for occurrence in occurrences[cadence.key]:
            events.append(
                CalendarEvent(
                    uid=event_uid(organisation.key, cadence.key, occurrence.key),
                    organisation=organisation.key,
                    cadence=cadence.key,
                    occurrence=occurrence.key,
                    kind=cadence.trigger,
                    title=cadence.title,
                    body=body_keys.get(cadence.body_id or 0),
                    body_name=body_names.get(cadence.body_id or 0),
                    start=occurrence.start,
                    end=occurrence.end,
                    notify=tuple(cadence.notify),
                    roles=tuple(sorted(r.key for r in roles)),
                    moved_from=occurrence.moved_from,
                    moved_because=occurrence.moved_because,
                    location=location,
                    online_url=online_url,
                )
            )
    return sorted(events, key=lambda e: (e.start, e.cadence))


def organisation_closures(
    session: Session, org_key: str, first: date, last: date
) -> tuple[list[Closure], list[Closure]]:
    """The holidays and the organisation's configured breaks in [first, last], for the årshjul."""
    organisation = find_organisation(session, org_key)
    contexts = load_contexts(session, [organisation.key])
    breaks = breaks_in(contexts[0].calendar, first, last) if contexts else []
    return holidays_in(first, last), breaks
