"""Roles, not persons: who holds which role on a day. The rule itself is RoleAssignment.held_on / holds_on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from samverkan.models import Organisation, Person, Role, RoleAssignment


def roles_held(session: Session, organisation: Organisation, person: Person, on: date) -> list[Role]:
    return list(
        session.exec(
            select(Role)
            .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
            .where(Role.organisation_id == organisation.id, col(Role.archived_at).is_(None))
            .where(RoleAssignment.person_id == person.id, RoleAssignment.held_on(on))
            .order_by(Role.key)
        ).all()
    )


def holders(session: Session, role: Role, on: date) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .join(RoleAssignment, col(RoleAssignment.person_id) == Person.id)
            .where(RoleAssignment.role_id == role.id, RoleAssignment.held_on(on))
            .order_by(Person.name)
        ).all()
    )


def roles_with_function(session: Session, organisation: Organisation, function: str) -> list[Role]:
    return list(
        session.exec(
            select(Role).where(
                Role.organisation_id == organisation.id, Role.function == function, col(Role.archived_at).is_(None)
            )
        ).all()
    )


def describe_holders(session: Session, roles: Iterable[Role], on: date) -> str:
    parts = []
    for role in roles:
        names = ", ".join(p.name for p in holders(session, role, on)) or "vakant"
        parts.append(f"{role.name}: {names}")
    return "; ".join(parts) or "ingen sådan roll finns"
