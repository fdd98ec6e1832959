"""Roles, not persons: who holds which role on a day. The rule itself is RoleAssignment.held_on / holds_on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

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
    return _in_words((role.name, [p.name for p in holders(session, role, on)]) for role in roles)


def _in_words(roles: Iterable[tuple[str, list[str]]]) -> str:
    """Roles and the names of their holders, as pages and refusals say it: "Roll: Namn, Namn; Roll: vakant"."""
    return "; ".join(f"{role}: {', '.join(names) or 'vakant'}" for role, names in roles) or "ingen sådan roll finns"


@cache
def _holders_of_functions() -> Select[int | None, str, str, str]:
    """The roles of the organisation `organisation` with a function in `wanted` and who holds each on `on`: built
    once (the cycle page asks on every visit; building the statement and its cache key cost more than running
    it)."""
    on: Any = sa.bindparam("on", type_=sa.Date)  # held_on compares it with the assignment's days
    return (
        select(Role.id, Role.name, Role.function, Person.name)
        .select_from(Role)
        .outerjoin(RoleAssignment, sa.and_(col(RoleAssignment.role_id) == Role.id, RoleAssignment.held_on(on)))
        .outerjoin(Person, col(Person.id) == RoleAssignment.person_id)
        .where(
            Role.organisation_id == sa.bindparam("organisation"),
            col(Role.function).in_(sa.bindparam("wanted", expanding=True)),
            col(Role.archived_at).is_(None),
        )
        .order_by(col(Role.id), col(Person.name))
    )


def describe_functions(
    session: Session, organisation: Organisation, functions: Iterable[str], on: date
) -> dict[str, str]:
    """For each function, what `describe_holders` says of the organisation's roles with that function
    (`roles_with_function`) on `on`: in one statement for all of them (a page of items owned by several
    functions asked two statements per function)."""
    wanted = sorted(set(functions))
    if not wanted:
        return {}
    rows = session.exec(
        _holders_of_functions(), params={"organisation": organisation.id, "on": on, "wanted": wanted}
    ).all()
    held: dict[str, dict[int | None, tuple[str, list[str]]]] = {function: {} for function in wanted}
    for role_id, role_name, function, person_name in rows:
        names = held[function].setdefault(role_id, (role_name, []))[1]
        if person_name is not None:
            names.append(person_name)
    return {function: _in_words(roles.values()) for function, roles in held.items()}
