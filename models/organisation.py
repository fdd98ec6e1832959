"""Who takes part: organisations, their bodies, roles (functions), persons and how they are reached."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from samverkan.models.base import created_at_field, enum_field, json_field, timestamp_field
from samverkan.models.enums import BodyKind, ContactChannel, OrgKind


class Organisation(SQLModel, table=True):
    """A kommun, stadsdel, lokalpolisområde, länsstyrelse, or a joint area of several kommuner.

    The organisation a configuration file describes owns bodies, roles, cadences and cycles; its
    parties (kommuner, the police area) and its länsstyrelse are organisations too, linked by parent_id.
    """

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: OrgKind = enum_field()
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    county: str | None = Field(default=None, max_length=100)
    kommunkod: str | None = Field(default=None, max_length=4)
    population: int | None = None
    assumed: bool = Field(default=False, description="membership is an assumption, not a confirmed fact")
    statistics: dict[str, object] = json_field()
    settings: dict[str, object] = json_field()
    notes: str | None = None
    source_file: str | None = Field(default=None, max_length=500)
    config_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()

    def section(self, name: str) -> dict[str, Any]:
        """One mapping section of the settings (reminders, packets ...), empty when not given."""
        return settings_section(self.settings, name)

    def breaks(self) -> list[dict[str, str]]:
        """The organisation's breaks (holiday weeks without meetings), as the configuration lists them."""
        value = self.settings.get("breaks")
        return value if isinstance(value, list) else []


def settings_section(settings: Mapping[str, object], name: str) -> dict[str, Any]:
    """One mapping section of an organisation's settings, also for plain rows read in bulk."""
    value = settings.get(name)
    return value if isinstance(value, dict) else {}


class OrganisationLink(SQLModel, table=True):
    """The parties and the county board of a configured organisation, with their relation to it."""

    __tablename__ = "organisation_link"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    member_id: int = Field(foreign_key="organisation.id", index=True)
    relation: str = Field(max_length=32, description="kommun | polis | lansstyrelse")


class Role(SQLModel, table=True):
    """A function (samordnare, kommunpolis, KSO, ...). Work and signatures belong to roles, not persons."""

    __tablename__ = "role"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    function: str = Field(default="", max_length=64, description="what process definitions call it (samordnare ...)")
    party_id: int | None = Field(default=None, foreign_key="organisation.id")
    signatory: bool = Field(default=False, description="signs agreements and promises for its party")
    archived_at: datetime | None = timestamp_field()


class Person(SQLModel, table=True):
    """A person who holds roles (an official, not a subject of the crime-prevention work)."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    created_at: datetime = created_at_field()


class RoleAssignment(SQLModel, table=True):
    """A person holds a role from a date, until an end date (inclusive) or further notice."""

    __tablename__ = "role_assignment"
    __table_args__ = (sa.UniqueConstraint("role_id", "person_id", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    role_id: int = Field(foreign_key="role.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_on: date
    ends_on: date | None = None
    source: str = Field(default="config", max_length=32, description="config | handover")

    def holds_on(self, day: date) -> bool:
        """The rule "the role is held on day D", for an assignment already in memory."""
        return self.period_holds(self.starts_on, self.ends_on, day)

    @staticmethod
    def period_holds(starts_on: date, ends_on: date | None, day: date) -> bool:
        """The rule itself, on the dates alone (for plain rows read in bulk): from the start to the end date,
        both inclusive, or on without an end."""
        return starts_on <= day and (ends_on is None or day <= ends_on)

    @classmethod
    def held_on(cls, day: date) -> sa.ColumnElement[bool]:
        """The same rule as a SQL condition, for queries: starts on or before D, ends on or after D (or never)."""
        return sa.and_(col(cls.starts_on) <= day, sa.or_(col(cls.ends_on).is_(None), col(cls.ends_on) >= day))


class Body(SQLModel, table=True):
    """A group that meets or decides: styrgrupp, lokala BRÅ, EST group, trygghetsråd, arbetsgrupp ..."""

    __tablename__ = "body"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    key: str = Field(max_length=64)
    name: str = Field(max_length=200)
    kind: BodyKind = enum_field()
    chair_role_id: int | None = Field(default=None, foreign_key="role.id")
    convener_role_id: int | None = Field(default=None, foreign_key="role.id")
    description: str | None = None
    member_functions: list[str] = json_field(list)  # a county network: these functions in each county kommun
    archived_at: datetime | None = timestamp_field()


class BodyMembership(SQLModel, table=True):
    """A body's members, by role."""

    __tablename__ = "body_membership"
    __table_args__ = (sa.UniqueConstraint("body_id", "role_id"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    role_id: int = Field(foreign_key="role.id", index=True)


class ContactRoute(SQLModel, table=True):
    """How a person or a body is reached: an Apprise URL whose secrets are ${ENV_VAR} references.

    The URL is stored as written in the configuration, never with secrets filled in.
    """

    __tablename__ = "contact_route"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    channel: ContactChannel = enum_field()
    url_template: str = Field(sa_type=sa.Text)
    tags: list[str] = json_field(list)
    created_at: datetime = created_at_field()
