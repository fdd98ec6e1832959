"""Roles, not persons: who may act is decided by which role a person holds on the day of the action."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select, bindparam
from sqlmodel import Session, col, select

from samverkan.models import Body, BodyMembership, Organisation, Person, Role, RoleAssignment
from samverkan.models.enums import BodyKind
from samverkan.roles.holding import describe_functions, describe_holders, holders, roles_held, roles_with_function
from samverkan.services.actor import Actor
from samverkan.services.effective_dates import DayBounds, held_then_and_now, require_effective_day
from samverkan.services.errors import NotFoundError, NotPermittedError

__all__ = ["describe_functions", "describe_holders", "holders", "roles_held", "roles_with_function"]

COORDINATING = ("samordnare", "kommunpolis")  # the functions that drive the cycle day to day
STEERING_KINDS = (BodyKind.STYRGRUPP, BodyKind.LOKALA_BRA, BodyKind.LEDNINGSGRUPP, BodyKind.FOLKHALSORAD)


@dataclass(frozen=True)
class Acting:
    """A person acting in a role on a day."""

    person: Person
    role: Role
    on: date

    @property
    def label(self) -> str:
        return self.person.email


def find_person(session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFoundError(f"ingen person med e-postadressen {email} finns i Samverkan")
    return person


def acting_person(session: Session, actor: Actor) -> Person:
    """The person the actor names: the row the actor carries (the web's session already read it), as a row of
    this session without reading it again; else found by e-mail."""
    known = actor.person
    if known is not None and known.id is not None and known.email == actor.email.strip().lower():
        return session.merge(known, load=False)
    return find_person(session, actor.email)


def require_function(
    session: Session,
    organisation: Organisation,
    actor: Actor,
    functions: Iterable[str],
    what: str,
    previous: Iterable[Any] = (),
    bounds: DayBounds | None = None,
    held: Held | None = None,
) -> Acting:
    """The acting person and role, if the person holds a role with one of `functions` on the effective day and
    on the day of the act; the effective day is bounded (services/effective_dates.py), also by `previous`
    (`bounds`: those bounds as the caller read them; `held`: the actor's roles and assignments as the caller read
    them with `with_roles_of`)."""
    wanted = set(functions)
    on = actor.on
    require_effective_day(session, organisation, actor, previous, bounds)
    person = acting_person(session, actor)
    known = actor.person.id if actor.person is not None else None
    roles, assignments = held if held is not None and person.id == known else _roles_of(session, organisation, person)
    mine = [r for r in roles if r.function in wanted or r.key in wanted]
    for role in held_then_and_now(session, organisation, person, mine, actor, assignments):
        return Acting(person, role, on)
    allowed = [r for f in sorted(wanted) for r in roles_with_function(session, organisation, f)]
    raise NotPermittedError(
        f"{person.name} ({person.email}) får inte {what} i {organisation.name} den {on}: "
        f"det kräver rollen {' eller '.join(_role_names(allowed, wanted))}. "
        f"Innehavare: {describe_holders(session, allowed, on)}"
    )


def role_with_function(
    session: Session, organisation: Organisation, person: Person, functions: Iterable[str], on: date
) -> Role | None:
    """The role (by function or key) among `functions` that the person holds on `on`, if any: the rule
    `require_function` applies, asked ahead so that a page offers an action only to who may take it."""
    wanted = set(functions)
    return next(
        (r for r in roles_held(session, organisation, person, on) if r.function in wanted or r.key in wanted), None
    )


def _role_names(roles: Iterable[Role], functions: Iterable[str]) -> list[str]:
    """The roles by their names (never a function key such as 'teknisk-chef'); the function itself, in words,
    only when no role has it."""
    names = sorted({role.name for role in roles})
    return names or sorted(function.replace("-", " ") for function in functions)


def require_role(
    session: Session,
    organisation: Organisation,
    actor: Actor,
    roles: Iterable[Role],
    what: str,
    previous: Iterable[Any] = (),
) -> Acting:
    """The acting person, if they hold one of the given roles on the effective day and on the day of the act."""
    wanted = {role.id: role for role in roles}
    on = actor.on
    require_effective_day(session, organisation, actor, previous)
    person = acting_person(session, actor)
    held, assignments = _roles_of(session, organisation, person)
    mine = [r for r in held if r.id in wanted]
    for role in held_then_and_now(session, organisation, person, mine, actor, assignments):
        return Acting(person, role, on)
    raise NotPermittedError(
        f"{person.name} ({person.email}) får inte {what} i {organisation.name} den {on}. "
        f"Det får: {describe_holders(session, wanted.values(), on)}"
    )


def _roles_of(session: Session, organisation: Organisation, person: Person) -> Held:
    """Every live role of the organisation the person has an assignment to, on any day, by key; and those
    assignments (one statement)."""
    return held_from(session.exec(_ROLES_OF, params={"organisation_id": organisation.id, "person_id": person.id}))


Held = tuple[list[Role], list[RoleAssignment]]


def with_roles_of(query: Select[Any], organisation_id: Any) -> Select[Any]:
    """The query with `_roles_of`'s rows joined on (the roles of the organisation `organisation_id`, a column of the
    query, that the person bound as `person_id` has an assignment to, each with its assignment; one row each, or
    NULLs without any), so that an act reads its rows and the actor's roles in one statement. `held_from` reads
    them back."""
    assigned = sa.join(
        Role,
        RoleAssignment,
        sa.and_(col(RoleAssignment.role_id) == Role.id, col(RoleAssignment.person_id) == bindparam("person_id")),
    )
    on = sa.and_(col(Role.organisation_id) == organisation_id, col(Role.archived_at).is_(None))
    return query.add_columns(Role, RoleAssignment).outerjoin(assigned, on)


def held_from(pairs: Iterable[tuple[Role | None, RoleAssignment | None]]) -> Held:
    """The roles (by key, each once) and assignments of `with_roles_of`'s rows, as `_roles_of` answers."""
    found = sorted(
        {(a.id, r.id): (r, a) for r, a in pairs if r is not None and a is not None}.values(),
        key=lambda pair: (pair[0].key, pair[1].id or 0),
    )
    roles = {role.id: role for role, _assignment in found}
    return list(roles.values()), [assignment for _role, assignment in found]


# built once, its values bound at each call (every act asks; building and keying the statement cost more CPU than
# the database takes to answer it)
_ROLES_OF = (
    select(Role, RoleAssignment)
    .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
    .where(col(Role.organisation_id) == bindparam("organisation_id"), col(Role.archived_at).is_(None))
    .where(col(RoleAssignment.person_id) == bindparam("person_id"))
)  # held_from puts the roles in key order


def steering_roles(session: Session, organisation: Organisation) -> list[Role]:
    """Roles that sit in (or chair) a steering body: styrgrupp, lokala BRÅ, ledningsgrupp, folkhälsoråd."""
    bodies = session.exec(
        select(Body).where(
            Body.organisation_id == organisation.id,
            col(Body.kind).in_([kind.value for kind in STEERING_KINDS]),
            col(Body.archived_at).is_(None),
        )
    ).all()
    role_ids = {b.chair_role_id for b in bodies if b.chair_role_id}
    for body in bodies:
        role_ids |= set(session.exec(select(BodyMembership.role_id).where(BodyMembership.body_id == body.id)).all())
    return list(session.exec(select(Role).where(col(Role.id).in_(role_ids))).all()) if role_ids else []
