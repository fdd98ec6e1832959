"""Accounts and person-bound secrets: invitations, passwords, sessions, calendar links and API tokens.

Plain domain code: the web app calls it, tests call it directly. Secrets are random 32-byte tokens; only
their SHA-256 is stored, so a copy of the database opens no session and no calendar.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import local, utcnow
from samverkan.models import Account, LoginAttempt, Notification, Person, PersonToken, TokenKind
from samverkan.services.access import COORDINATING, find_person, require_function, roles_held
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import NotPermittedError, RefusedError, ServiceError
from samverkan.services.inputs import Invite
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data

SESSION_TTL = timedelta(hours=12)
INVITATION_TTL = timedelta(days=7)
MIN_PASSWORD = 12
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILED_PER_EMAIL = 5  # from one client to one account in the window: that client waits (others may try)
MAX_FAILED_PER_ACCOUNT = 20  # from all clients together: the account is locked; its owner gets a link by e-mail
MAX_FAILED_PER_CLIENT = 20

# Argon2id with the library's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("samverkan-ingen-sådan-användare")


class RateLimitedError(ServiceError):
    """Too many failed logins: wait before trying again."""


class AccountLockedError(RateLimitedError):
    """Too many failed logins to one account from anywhere: only the owner's e-mailed link logs in now."""


class LoginFailedError(ServiceError):
    """Wrong address or password (never says which)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str, person: Person) -> None:
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"lösenordet måste ha minst {MIN_PASSWORD} tecken (har {len(password)})")
    lowered = password.lower()
    if person.email.split("@")[0].lower() in lowered or any(
        part and len(part) > 2 and part.lower() in lowered for part in person.name.split()
    ):
        problems.append("lösenordet får inte innehålla ditt namn eller din e-postadress")
    if len(set(password)) < 5:
        problems.append("lösenordet har för få olika tecken")
    if problems:
        raise RefusedError("Lösenordet godtogs inte:", problems)


# -- tokens -----------------------------------------------------------------------------------------


def issue_token(
    session: Session,
    person: Person,
    kind: TokenKind,
    ttl: timedelta | None = None,
    label: str | None = None,
    now: datetime | None = None,
) -> tuple[str, PersonToken]:
    now = now or utcnow()
    no_personal_data(etikett=label)
    secret = new_secret()
    token = PersonToken(
        token_hash=digest(secret),
        person_id=saved_id(person),
        kind=kind,
        csrf=new_secret() if kind == TokenKind.SESSION else None,
        label=label,
        created_at=now,
        expires_at=now + ttl if ttl else None,
    )
    session.add(token)
    session.flush()
    return secret, token


def valid_token(session: Session, secret: str, kind: TokenKind, now: datetime | None = None) -> PersonToken | None:
    """The live token with this secret, or None (unknown, revoked, expired, used invitation)."""
    if not secret or len(secret) > 100:
        return None
    token = session.exec(
        select(PersonToken).where(PersonToken.token_hash == digest(secret), PersonToken.kind == kind)
    ).first()
    return token if token is not None and token_holds(token, now or utcnow()) else None


def token_holds(token: PersonToken, now: datetime) -> bool:
    """Whether the token is live: not revoked, not expired, and (an invitation) not used."""
    if token.revoked_at is not None:
        return False
    if token.expires_at is not None and token.expires_at <= now:
        return False
    return not (token.kind == TokenKind.INVITATION and token.used_at is not None)


def revoke_tokens(session: Session, person: Person, kind: TokenKind, now: datetime | None = None) -> int:
    result = session.exec(
        update(PersonToken)
        .where(
            col(PersonToken.person_id) == person.id,
            col(PersonToken.kind) == kind,
            col(PersonToken.revoked_at).is_(None),
        )
        .values(revoked_at=now or utcnow())
    )
    return int(result.rowcount)


# -- invitations ------------------------------------------------------------------------------------


@dataclass
class Invitation:
    person: Person
    link: str
    notification_id: int


def invite(session: Session, actor: Actor, given: Invite, base_url: str | None = None) -> Invitation:
    """A coordinator invites a person who holds a role in the organisation; the link goes out by e-mail."""
    org_key, person_email, on, now = actor.org_key, given.email, actor.on, actor.now
    now = now or utcnow()
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "bjuda in användare")
    person = find_person(session, person_email)
    if not roles_held(session, organisation, person, on):
        raise NotPermittedError(
            f"{person.name} har ingen roll i {organisation.name} den {on}; bara den som har en roll kan bjudas in"
        )
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None:
        account = Account(person_id=saved_id(person), created_at=now)
        session.add(account)
    revoke_tokens(session, person, TokenKind.INVITATION, now)
    secret, token = issue_token(session, person, TokenKind.INVITATION, INVITATION_TTL, now=now)
    link = f"{(base_url or get_settings().base_url).rstrip('/')}/inbjudan/{secret}"
    expires = local(token.expires_at).date().isoformat() if token.expires_at else ""
    notification = Notification(
        idempotency_key=f"{organisation.key}:inbjudan:{person.id}:{token.id}",
        organisation_id=saved_id(organisation),
        kind="inbjudan",
        person_id=person.id,
        subject="Inbjudan till Samverkan",
        body_text=(
            f"Hej {person.name.split()[0]}!\n\n"
            f"{acting.person.name} ({acting.role.name}) har bjudit in dig till Samverkan för {organisation.name}, "
            "där kommunen och polisen följer sitt gemensamma brottsförebyggande arbete.\n\n"
            f"Välj ditt lösenord här (länken gäller en gång, till och med {expires}):\n{link}\n\n"
            "Har du inte väntat dig det här kan du bortse från meddelandet."
        ),
        related_type="person",
        related_id=person.id,
        urgent=True,
        not_before=now,
        created_at=now,
    )
    session.add(notification)
    audit(session, acting, organisation.id, "account.invite", account, key=person.email)
    session.flush()
    return Invitation(person, link, saved_id(notification))


def accept_invitation(session: Session, secret: str, password: str, now: datetime | None = None) -> Person:
    now = now or utcnow()
    token = valid_token(session, secret, TokenKind.INVITATION, now)
    if token is None:
        raise RefusedError("Inbjudningslänken gäller inte längre (den är använd, återkallad eller för gammal).")
    person = session.get(Person, token.person_id)
    assert person is not None
    check_password_policy(password, person)
    account = session.exec(select(Account).where(Account.person_id == person.id)).one()
    account.password_hash, account.password_set_at = hash_password(password), now
    token.used_at = now
    session.add_all([account, token])
    revoke_tokens(session, person, TokenKind.SESSION, now)  # a new password ends old sessions
    audit(session, person.email, None, "account.password", account, key=person.email)
    return person


def set_password(session: Session, person: Person, password: str, now: datetime | None = None) -> None:
    """Set a password directly (the demo login and administrators' command line)."""
    now = now or utcnow()
    check_password_policy(password, person)
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    if account is None:
        account = Account(person_id=saved_id(person), created_at=now)
    account.password_hash, account.password_set_at = hash_password(password), now
    session.add(account)
    revoke_tokens(session, person, TokenKind.SESSION, now)  # a new password ends every session
    audit(session, "system", None, "account.password", account, key=person.email)


# -- logging in -------------------------------------------------------------------------------------


def failed_since(session: Session, since: datetime, *conditions: Any) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(*conditions, col(LoginAttempt.at) >= since, col(LoginAttempt.ok).is_(False))
        ).one()
    )


def record_attempt(session: Session, email: str, client: str, ok: bool, now: datetime | None = None) -> None:
    """Record one login attempt; attempts older than the window (with their address and client) go."""
    now = now or utcnow()
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - LOGIN_WINDOW))
    session.add(LoginAttempt(email=email.strip().lower()[:254], client=client[:64], ok=ok, at=now))


def unlocked_at(session: Session, email: str) -> datetime | None:
    """When the account's owner last lifted a lock-out with their e-mailed link (failures before it are void)."""
    found: datetime | None = session.exec(
        select(Account.unlocked_at).join(Person, col(Person.id) == Account.person_id).where(Person.email == email)
    ).first()
    return found


def check_rate(session: Session, email: str, client: str, now: datetime) -> None:
    """Refuse a login attempt while this client has failed too often for this account (it waits; the owner on
    another client does not), or this client too often for any accounts, or everyone together too often for this
    account (locked until the window passes or the owner uses the link e-mailed to them)."""
    since = now - LOGIN_WINDOW
    lifted = unlocked_at(session, email)
    account_since = max(since, lifted) if lifted else since
    minutes = int(LOGIN_WINDOW.total_seconds() // 60)
    if failed_since(session, account_since, col(LoginAttempt.email) == email) >= MAX_FAILED_PER_ACCOUNT:
        raise AccountLockedError(
            "Kontot är spärrat efter många misslyckade inloggningar. Vi skickar en länk till kontots e-postadress "
            f"som loggar in och häver spärren; annars hävs den av sig själv om {minutes} minuter."
        )
    if (
        failed_since(session, account_since, col(LoginAttempt.email) == email, col(LoginAttempt.client) == client)
        >= MAX_FAILED_PER_EMAIL
        or failed_since(session, since, col(LoginAttempt.client) == client) >= MAX_FAILED_PER_CLIENT
    ):
        raise RateLimitedError(
            f"För många misslyckade inloggningar härifrån. Vänta {minutes} minuter och försök igen, eller be om "
            "en länk till din e-post som loggar in dig direkt."
        )


@dataclass(frozen=True)
class LoginCheck:
    """A login attempt as far as it can go without writing: the address and client, the account's person, the
    stored hash, and after `check_password` whether it matched (and a new hash when the parameters are old)."""

    email: str
    client: str
    person_id: int | None
    stored: str | None
    ok: bool = False
    rehashed: str | None = None


def find_login(session: Session, email: str, client: str, now: datetime | None = None) -> LoginCheck:
    """The rate limit and the account behind an address; reads only, so the web app runs it outside the writer's
    lock, and Argon2 (`check_password`) runs with no transaction at all."""
    now = now or utcnow()
    email, client = email.strip().lower()[:254], client[:64]
    no_personal_data(**{"e-post": email})  # refused before the attempt (with its address) is recorded
    check_rate(session, email, client, now)
    person = session.exec(select(Person).where(Person.email == email)).first()
    account = session.exec(select(Account).where(Account.person_id == person.id)).first() if person else None
    return LoginCheck(email, client, person.id if person else None, usable_hash(account))


def check_password(found: LoginCheck, password: str) -> LoginCheck:
    """The Argon2id check (~50-200 ms of CPU), touching no database."""
    ok = verify_password(found.stored, password) and found.person_id is not None
    rehashed = hash_password(password) if ok and found.stored and _hasher.check_needs_rehash(found.stored) else None
    return LoginCheck(found.email, found.client, found.person_id, found.stored, ok, rehashed)


def finish_login(session: Session, checked: LoginCheck, now: datetime | None = None) -> tuple[str, PersonToken, Person]:
    """Record the attempt and, when the password matched, open the session. The limit is checked again: other
    attempts may have failed while the password was being checked. The account must still have the same hash."""
    now = now or utcnow()
    check_rate(session, checked.email, checked.client, now)
    person = session.get(Person, checked.person_id) if checked.person_id is not None else None
    account = session.exec(select(Account).where(Account.person_id == person.id)).first() if person else None
    ok = checked.ok and person is not None and usable_hash(account) == checked.stored
    record_attempt(session, checked.email, checked.client, ok, now)
    if not ok or person is None or account is None:
        raise LoginFailedError("Fel e-postadress eller lösenord.")
    if checked.rehashed:
        account.password_hash = checked.rehashed
        session.add(account)
    secret, token = issue_token(session, person, TokenKind.SESSION, SESSION_TTL, now=now)
    return secret, token, person


def login(
    session: Session, email: str, password: str, client: str, now: datetime | None = None
) -> tuple[str, PersonToken, Person]:
    """A new session for the person with this address and password, in one transaction. The caller commits even
    on failure (the failed attempt counts), so call it in its own transaction. The web app splits it in three
    (find_login, check_password, finish_login) so that Argon2 runs outside the writer's lock."""
    now = now or utcnow()
    return finish_login(session, check_password(find_login(session, email, client, now), password), now)


def logout(session: Session, token: PersonToken, now: datetime | None = None) -> None:
    token.revoked_at = now or utcnow()
    session.add(token)


def verify_password(stored: str | None, password: str) -> bool:
    """Argon2id check; without a stored hash a dummy one is checked, so unknown addresses take as long."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def usable_hash(account: Account | None) -> str | None:
    return account.password_hash if account and account.disabled_at is None else None


def password_matches(session: Session, person: Person, password: str) -> bool:
    account = session.exec(select(Account).where(Account.person_id == person.id)).first()
    return verify_password(usable_hash(account), password)
