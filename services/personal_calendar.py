"""The personal årshjul behind a calendar link: no login, the secret in the link is the key."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from samverkan.models import Person, TokenKind
from samverkan.scheduling.calendar import CalendarEvent
from samverkan.services.calendar_feed import organisation_calendar
from samverkan.services.membership import member_organisations
from samverkan.services.personal_keys import token_holder


def personal_calendar(session: Session, secret: str, today: date) -> tuple[Person, list[CalendarEvent]] | None:
    """A month back and a year ahead, in every organisation where the person holds a role. None when the link
    is revoked or unknown."""
    held = token_holder(session, secret, TokenKind.CALENDAR)
    if held is None:
        return None
    person = held[1]
    events = []
    for organisation in member_organisations(session, person, today):
        events += organisation_calendar(
            session, organisation.key, today - timedelta(days=31), today + timedelta(days=366), person
        )
    return person, sorted(events, key=lambda e: e.start)
