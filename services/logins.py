"""Whom to log in as to see the app through each kind of user: the coordinating roles, each signatory, and an
EST member, with today's holders. Used by the demo start (`samverkan run`) to print one login per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from samverkan.models import Body, BodyMembership, Organisation, Person, Role
from samverkan.models.enums import BodyKind
from samverkan.services.access import COORDINATING, holders, roles_with_function


@dataclass(frozen=True)
class Suggested:
    what: str  # the role, as a reader says it
    name: str
    email: str


def _first_holder(session: Session, role: Role, on: date) -> Person | None:
    found = holders(session, role, on)
    return found[0] if found else None


def login_suggestions(session: Session, organisation: Organisation, on: date) -> list[Suggested]:
    """One person per coordinating role, per signatory role and for the first EST group's first member role."""
    chosen: list[tuple[str, Role]] = [
        (role.name, role) for function in COORDINATING for role in roles_with_function(session, organisation, function)
    ]
    parties = {o.id: o.name for o in session.exec(select(Organisation)).all()}
    signatories = session.exec(
        select(Role)
        .where(Role.organisation_id == organisation.id, Role.signatory, col(Role.archived_at).is_(None))
        .order_by(col(Role.name))
    ).all()
    chosen += [(f"{r.name}, skriver under för {parties.get(r.party_id, organisation.name)}", r) for r in signatories]
    est = session.exec(
        select(Role)
        .join(BodyMembership, col(BodyMembership.role_id) == Role.id)
        .join(Body, col(Body.id) == BodyMembership.body_id)
        .where(Body.organisation_id == organisation.id, Body.kind == BodyKind.EST, col(Body.archived_at).is_(None))
        .where(col(Role.function).not_in(COORDINATING))
        .order_by(col(Role.name))
    ).all()
    chosen += [(f"EST-medlem ({r.name})", r) for r in est[:1]]
    suggested = []
    for what, role in chosen:
        person = _first_holder(session, role, on)
        if person is not None:
            suggested.append(Suggested(what, person.name, person.email))
    return suggested
