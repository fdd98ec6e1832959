"""What the IT department does from the command line: the first coordinator's login, before anyone can invite
anyone in the web app. The person must come from an organisation file (people are never created here), and
every action is audited with the actor `drift:<operator>`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import utcnow
from samverkan.models import Account, Person, TokenKind
from samverkan.services.access import find_person
from samverkan.services.accounts import INVITATION_TTL, issue_token, revoke_tokens, set_password
from samverkan.services.audit import audit


@dataclass
class OperatorInvitation:
    person: Person
    link: str
    expires_at: datetime


def add_user(session: Session, email: str, password: str, operator: str) -> Person:
    """Give a person from the organisation files a password (the password policy applies)."""
    person = find_person(session, email)
    set_password(session, person, password)
    audit(session, f"drift:{operator}", None, "account.add", person, key=person.email)
    return person


def invite_user(
    session: Session, email: str, operator: str, base_url: str | None = None, now: datetime | None = None
) -> OperatorInvitation:
    """A one-time link (valid seven days) for the person to choose a password; the operator hands it over.
    An earlier unused link of the person stops working."""
    now = now or utcnow()
    person = find_person(session, email)
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None:
        session.add(Account(person_id=person.id, created_at=now))  # type: ignore[arg-type]
    revoke_tokens(session, person, TokenKind.INVITATION, now)
    secret, token = issue_token(session, person, TokenKind.INVITATION, INVITATION_TTL, now=now)
    link = f"{(base_url or get_settings().base_url).rstrip('/')}/inbjudan/{secret}"
    audit(session, f"drift:{operator}", None, "account.invite", person, key=person.email)
    return OperatorInvitation(person, link, token.expires_at or now + INVITATION_TTL)
