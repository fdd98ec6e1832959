"""What the account and login pages do with a person's own secrets: calendar links, API keys, the session, an
invitation link, a failed login. The secrets themselves are made and checked in accounts.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from samverkan.core.timeutil import utcnow
from samverkan.models import Person, PersonToken, TokenKind
from samverkan.services.accounts import digest, issue_token, logout, record_attempt, revoke_tokens, token_holds
from samverkan.services.errors import RefusedError

API_KEY_TTL = timedelta(days=365)


def _attached(session: Session, person: Person) -> Person:
    """The person as a row of this session (the caller's copy may come from another one)."""
    found = session.get(Person, person.id)
    if found is None:
        raise RefusedError("personen finns inte längre i Samverkan")
    return found


def token_holder(session: Session, secret: str, kind: TokenKind) -> tuple[PersonToken, Person] | None:
    """The live token with this secret and the person it belongs to (one statement: every page asks); None when
    it does not hold."""
    if not secret or len(secret) > 100:
        return None
    row = session.exec(_TOKEN_HOLDER, params={"token_hash": digest(secret), "kind": kind}).first()
    return (row[0], row[1]) if row is not None and token_holds(row[0], utcnow()) else None


# built once, its values bound at each call: every request with a session cookie asks, and building and keying the
# statement cost more CPU than the database takes to answer it
_TOKEN_HOLDER = (
    select(PersonToken, Person)
    .join(Person, col(Person.id) == PersonToken.person_id)
    .where(col(PersonToken.token_hash) == bindparam("token_hash"), col(PersonToken.kind) == bindparam("kind"))
)


def invited_person(session: Session, secret: str) -> Person | None:
    """Whom a live invitation link is for; None when the link no longer holds."""
    held = token_holder(session, secret, TokenKind.INVITATION)
    return held[1] if held else None


def personal_keys(session: Session, person: Person) -> list[PersonToken]:
    """The person's live calendar links and API keys (shown by label, never by secret)."""
    return list(
        session.exec(
            select(PersonToken)
            .where(PersonToken.person_id == person.id, col(PersonToken.revoked_at).is_(None))
            .where(col(PersonToken.kind).in_([TokenKind.CALENDAR, TokenKind.API]))
            .order_by(col(PersonToken.id))
        ).all()
    )


def new_calendar_link(session: Session, person: Person) -> str:
    """A new personal calendar secret; the previous link stops working."""
    person = _attached(session, person)
    revoke_tokens(session, person, TokenKind.CALENDAR)
    secret, _ = issue_token(session, person, TokenKind.CALENDAR, label="årshjul")
    return secret


def revoke_calendar_links(session: Session, person: Person) -> int:
    return revoke_tokens(session, _attached(session, person), TokenKind.CALENDAR)


def new_api_key(session: Session, person: Person, label: str) -> str:
    """A personal API key for a year."""
    person = _attached(session, person)
    secret, _ = issue_token(session, person, TokenKind.API, API_KEY_TTL, label=label.strip()[:200] or "API-nyckel")
    return secret


def revoke_key(session: Session, person: Person, token_id: int) -> bool:
    """Revoke one of the person's own keys; False when there is no such key of theirs."""
    token = session.get(PersonToken, token_id)
    if token is None or token.person_id != person.id:
        return False
    logout(session, token)
    return True


def end_session(session: Session, token_id: int | None) -> None:
    token = session.get(PersonToken, token_id) if token_id is not None else None
    if token is not None:
        logout(session, token)


def record_failed_login(session: Session, email: str, client: str) -> None:
    """A failed attempt counts even though the login's own transaction rolled back."""
    record_attempt(session, email, client, ok=False)
