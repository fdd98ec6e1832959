"""What an e-mail says about its sender: the display name ("Samverkan – Fagersta kommun"), Reply-To the
coordinator, and the headers that mark an automatic message, as query parameters of Apprise's mailto route.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from sqlmodel import Session, select

from samverkan.models import Notification, Organisation, Role
from samverkan.roles.holding import holders

AUTOMATIC_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", "Content-Language": "sv"}


def coordinator_addresses(session: Session, organisation: Organisation, on: date) -> list[str]:
    """The e-mail addresses of whoever holds the organisation's coordinator roles on a day."""
    roles = session.exec(
        select(Role).where(Role.organisation_id == organisation.id, Role.function == "samordnare")
    ).all()
    return sorted({person.email for role in roles for person in holders(session, role, on) if person.email})


def sender_parameters(session: Session, notification: Notification, on: date) -> str:
    """The rest of an e-mail route: the sender's display name ("Samverkan – Fagersta kommun"), Reply-To the
    coordinator, and the headers that mark an automatic message (no out-of-office replies) in Swedish.
    No List-Unsubscribe: every message goes to a role holder about their role's work, so there is nothing
    to unsubscribe from (leaving the role is how it stops). Added when sending, not to the route: a route's
    identity (what `delivered_routes` records) must not change with who the coordinator is."""
    organisation = session.get(Organisation, notification.organisation_id)
    parameters = [f"+{name}={quote(value)}" for name, value in AUTOMATIC_HEADERS.items()]
    if organisation is not None:
        parameters.append(f"name={quote(f'Samverkan – {organisation.name}')}")
        reply = coordinator_addresses(session, organisation, on)
        if reply:
            parameters.append(f"reply={quote(','.join(reply))}")
    return "&" + "&".join(parameters)
