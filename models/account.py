"""Logging in: local accounts, the secrets a person holds (invitation, session, calendar, API), login
attempts for rate limiting, and uploaded evidence files. Secrets are stored only as SHA-256 hashes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from samverkan.models.base import created_at_field, enum_field, timestamp_field


class TokenKind(StrEnum):
    INVITATION = "inbjudan"  # one use: sets the password
    SESSION = "session"  # the web session cookie
    CALENDAR = "kalender"  # the personal .ics subscription link
    API = "api"  # Authorization: Bearer for the HTTP API (and the CLI's --nyckel)
    UNLOCK = "upplasning"  # one use, e-mailed to a locked account's owner: logs in past the lock-out


class Account(SQLModel, table=True):
    """A person's login: an Argon2id password hash. A person without an account cannot log in."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    password_hash: str | None = Field(default=None, max_length=200, description="None until the invitation is used")
    password_set_at: datetime | None = timestamp_field()
    disabled_at: datetime | None = timestamp_field()
    created_at: datetime = created_at_field()
    unlocked_at: datetime | None = timestamp_field()  # failed logins before it no longer lock the account


class PersonToken(SQLModel, table=True):
    """A secret bound to a person. Only its SHA-256 is kept; revoking or expiring ends it."""

    __tablename__ = "person_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: TokenKind = enum_field(index=True)
    csrf: str | None = Field(default=None, max_length=64, description="a session's CSRF token")
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = created_at_field()
    expires_at: datetime | None = timestamp_field()
    revoked_at: datetime | None = timestamp_field()
    used_at: datetime | None = timestamp_field()


class LoginAttempt(SQLModel, table=True):
    """Every login attempt, for rate limiting by address and by client."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    client: str = Field(max_length=64)
    ok: bool
    at: datetime = created_at_field()


class Upload(SQLModel, table=True):
    """An evidence file. The content lives under the data folder, named by its SHA-256."""

    __tablename__ = "upload"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    sha256: str = Field(max_length=64)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by_person_id: int = Field(foreign_key="person.id")
    created_at: datetime = created_at_field()
