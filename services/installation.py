"""What a database is for: production (no mark), or a demo or test database (marked). Only a demo or test
database takes the command line's `--as` without a personal API key, and there `--date` also sets the clock."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from samverkan.models import Account, Installation, PersonToken, Purpose, TokenKind
from samverkan.services.errors import RefusedError

PURPOSE_SV = {Purpose.DEMO: "demodatabas", Purpose.TEST: "testdatabas"}


def purpose_of(session: Session) -> Purpose | None:
    """DEMO or TEST for a marked database; None for production."""
    found = session.exec(select(Installation.purpose).order_by(col(Installation.id).desc())).first()
    return Purpose(found) if found else None


def in_use(session: Session) -> bool:
    """Someone can log in: a password is set or a personal API key made."""
    passwords = session.exec(select(func.count()).where(col(Account.password_hash).is_not(None))).one()
    keys = session.exec(select(func.count()).where(PersonToken.kind == TokenKind.API)).one()
    return bool(passwords or keys)


def mark(session: Session, purpose: Purpose | None, by: str, created_here: bool = False) -> None:
    """Mark the database as a demo or test database (None: production again). A database people log in to
    cannot be made a demo or test database (that would open `--as` to anyone with a shell on the server) unless
    the caller made it itself (`created_here`: `samverkan run`'s own demo database)."""
    current = purpose_of(session)
    if purpose == current:
        return
    if purpose is not None and current is None and not created_here and in_use(session):
        raise RefusedError(
            f"databasen används redan (det finns lösenord eller API-nycklar) och kan inte göras till "
            f"{PURPOSE_SV[purpose]}; skapa en ny, tom databas för demo och test"
        )
    for row in session.exec(select(Installation)).all():
        session.delete(row)
    if purpose is not None:
        session.add(Installation(purpose=purpose, marked_by=by[:254]))
    session.flush()
