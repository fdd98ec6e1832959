"""Lifting a login lock-out by e-mail. Failed logins lock one client out of one account for a while, and many
failures from anywhere lock the account itself (services/accounts.py `check_rate`); neither can keep the owner
out: a one-time link sent to the account's own address logs them in past every lock and lifts the account's
lock (failures before it no longer count). While a link sent in the window is unused no other is sent, so an
attacker can have at most one e-mail per window sent and never sees the link; every link stays valid until
used or a day old, so a newer one never spoils an older."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import local, utcnow
from samverkan.models import Account, LoginAttempt, Notification, Person, PersonToken, Role, RoleAssignment, TokenKind
from samverkan.services.accounts import (
    LOGIN_WINDOW,
    MAX_FAILED_PER_EMAIL,
    SESSION_TTL,
    LoginFailedError,
    failed_since,
    issue_token,
    record_attempt,
    unlocked_at,
    usable_hash,
    valid_token,
    verify_password,
)
from samverkan.services.audit import audit
from samverkan.services.errors import RefusedError

UNLOCK_TTL = timedelta(hours=24)
EXPIRED = "Länken gäller inte längre (den är använd eller äldre än ett dygn). Be om en ny på inloggningssidan."


def locked_out(session: Session, email: str, now: datetime) -> bool:
    """Some lock holds for the account: enough failures in the window, from one client or from all."""
    since = now - LOGIN_WINDOW
    lifted = unlocked_at(session, email)
    return failed_since(session, max(since, lifted) if lifted else since, col(LoginAttempt.email) == email) >= (
        MAX_FAILED_PER_EMAIL
    )


def request_unlock(
    session: Session, email: str, now: datetime | None = None, base_url: str | None = None
) -> int | None:
    """E-mail the account's owner a one-time link past the lock-out, if the account is locked out and no link
    went out in this window. Returns the outbox row to deliver now; None when nothing is sent (the caller's
    answer is the same either way: nobody learns whether an address has an account)."""
    now = now or utcnow()
    email = email.strip().lower()[:254]
    person = session.exec(select(Person).where(Person.email == email)).first()
    account = session.exec(select(Account).where(Account.person_id == person.id)).first() if person else None
    if person is None or usable_hash(account) is None or not locked_out(session, email, now):
        return None
    unused = session.exec(  # a link sent in this window and not used yet: the owner has one that works
        select(PersonToken).where(
            PersonToken.person_id == person.id,
            PersonToken.kind == TokenKind.UNLOCK,
            col(PersonToken.created_at) > now - LOGIN_WINDOW,
            col(PersonToken.used_at).is_(None),
            col(PersonToken.revoked_at).is_(None),
        )
    ).first()
    organisation_id = session.exec(
        select(Role.organisation_id)
        .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
        .where(RoleAssignment.person_id == person.id)
        .order_by(col(RoleAssignment.starts_on).desc())
    ).first()
    if unused is not None or organisation_id is None:
        return None
    secret, token = issue_token(session, person, TokenKind.UNLOCK, UNLOCK_TTL, label="upplåsning", now=now)
    notification = _unlock_message(person, organisation_id, token, secret, now, base_url)
    session.add(notification)
    audit(session, "system:inloggning", organisation_id, "account.unlock_link", person, key=person.email)
    session.flush()
    return saved_id(notification)


def _unlock_message(
    person: Person, organisation_id: int, token: PersonToken, secret: str, now: datetime, base_url: str | None
) -> Notification:
    link = f"{(base_url or get_settings().base_url).rstrip('/')}/las-upp/{secret}"
    expires = local(now + UNLOCK_TTL).strftime("%Y-%m-%d %H:%M")
    return Notification(
        idempotency_key=f"upplasning:{person.id}:{token.id}",
        organisation_id=organisation_id,
        kind="upplasning",
        person_id=person.id,
        subject="Ditt konto i Samverkan är spärrat – länk för att logga in",
        body_text=(
            f"Hej {person.name.split()[0]}!\n\n"
            "Någon har försökt logga in på ditt konto i Samverkan med fel lösenord flera gånger, så inloggning "
            "med bara lösenord är spärrad en stund.\n\n"
            f"Var det du? Logga in och häv spärren här (länken gäller en gång, till {expires}):\n{link}\n\n"
            "Var det inte du behöver du inte göra något: ingen kommer in utan ditt lösenord, och länken fungerar "
            "bara för den som har det här meddelandet. Byt gärna lösenord om det är lätt att gissa."
        ),
        related_type="person",
        related_id=person.id,
        urgent=True,
        not_before=now,
        created_at=now,
    )


def link_holder(session: Session, secret: str) -> Person | None:
    """Whose live unlock link this is; None when it no longer holds."""
    token = valid_token(session, secret, TokenKind.UNLOCK)
    if token is None or token.used_at is not None:
        return None
    return session.get(Person, token.person_id)


def login_with_link(
    session: Session, secret: str, password: str, client: str, now: datetime | None = None
) -> tuple[str, PersonToken, Person]:
    """A new session past every lock-out for the link's owner with their password; the link is used up and the
    account's lock lifted. A wrong password counts as a failed login but never spoils the link."""
    now = now or utcnow()
    token = valid_token(session, secret, TokenKind.UNLOCK, now)
    person = session.get(Person, token.person_id) if token is not None and token.used_at is None else None
    if token is None or person is None:
        raise RefusedError(EXPIRED)
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    stored = usable_hash(account)
    if account is None or stored is None or not verify_password(stored, password):
        raise LoginFailedError("Fel lösenord.")
    token.used_at, account.unlocked_at = now, now
    session.add_all([token, account])
    record_attempt(session, person.email, client, True, now)
    audit(session, person.email, None, "account.unlock", account, key=person.email)
    session_secret, session_token = issue_token(session, person, TokenKind.SESSION, SESSION_TTL, now=now)
    return session_secret, session_token, person
