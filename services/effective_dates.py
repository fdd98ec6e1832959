"""The one bound on an act's effective day (honest time).

Every act has two times: when it really happened (`Actor.now`, the audit entry's `at`) and the day it is
effective for (`Actor.on`, the audit entry's `effective_on`). The effective day may be earlier than the act (a
meeting held last week, recorded today) but it is bounded:

- not in the future (later than the act's own day in Stockholm);
- not before the running cycle started;
- not before the previous act on the same object (an item, a phase, a decision, an agreement …);
- not before the actor's assignment to the role they act in, and not by a predecessor: the role must be held
  both on the effective day and on the day of the act, so a handover ends the predecessor's acts, back-dated
  ones included (`held_then_and_now`).

Evidence-specific date rules (what a document's own date may be) live with the evidence, not here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ScalarSelect, and_, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from samverkan.core.timeutil import local
from samverkan.models import AuditEntry, Cycle, Organisation, Person, Role, RoleAssignment
from samverkan.models.enums import CycleStatus
from samverkan.services.actor import Actor
from samverkan.services.errors import NotPermittedError, RefusedError


def act_day(actor: Actor) -> date:
    """The day (Stockholm) the act really happens."""
    return local(actor.now).date()


@dataclass(frozen=True)
class DayBounds:
    """What bounds an effective day from below, as read: the running cycle's number and start day (None without
    one), and the last act's effective day on each earlier row, by (table name, id)."""

    started: tuple[int, date] | None
    lasts: Mapping[tuple[str, int], date]


def require_effective_day(
    session: Session,
    organisation: Organisation,
    actor: Actor,
    previous: Iterable[Any] = (),
    bounds: DayBounds | None = None,
) -> None:
    """Refuse an effective day in the future, before the running cycle started, or before the last act on
    any of `previous` (rows with an id, audited under their table name). `bounds`: the same facts when the caller
    read them with its own rows (`started_column`, `last_effective_column`), so that they are not read again."""
    previous = list(previous)
    on, today = actor.on, act_day(actor)
    if on > today:
        raise RefusedError(
            f"datumet {on} ligger i framtiden (handlingen görs {today}): en handling kan gälla från i dag "
            "eller en tidigare dag, aldrig från en dag som inte har kommit"
        )
    started = cycle_start_day(session, organisation) if bounds is None else bounds.started
    if started is not None and on < started[1]:
        raise RefusedError(
            f"datumet {on} ligger före cykel {started[0]}s start den {started[1]}: en handling kan inte gälla "
            "från en dag innan cykeln startade"
        )
    lasts = last_effective_days(session, previous) if bounds is None else bounds.lasts
    for entity in previous:
        last = lasts.get((type(entity).__tablename__, entity.id))
        if last is not None and on < last:
            raise RefusedError(
                f"datumet {on} ligger före den senaste handlingen på {describe(entity)}, som gäller från {last}: "
                "en handling kan inte gälla från en dag före den som kom före den"
            )


def started_column() -> ScalarSelect[date]:
    """SQL, in a query of `Cycle`: the effective day of the cycle's starting act (NULL before 0008_trust)."""
    return (
        select(func.min(AuditEntry.effective_on))
        .where(
            AuditEntry.entity_type == Cycle.__tablename__,
            AuditEntry.entity_id == Cycle.id,
            AuditEntry.action == "cycle.start",
        )
        .scalar_subquery()
    )


def started_bound(cycle: Cycle, recorded: date | None) -> tuple[int, date]:
    """The running cycle's number and the day it started: its start's effective day (`started_column`), else
    the day it was made."""
    return cycle.number, recorded or local(cycle.started_at).date()


def last_effective_column(entity: type[Any]) -> ScalarSelect[date]:
    """SQL, in a query of the table `entity`: the effective day of the latest act recorded on the row (NULL
    before any), as `last_effective_days` reads it."""
    return (
        select(func.max(AuditEntry.effective_on))
        .where(AuditEntry.entity_type == entity.__tablename__, AuditEntry.entity_id == entity.id)
        .scalar_subquery()
    )


def cycle_start_day(session: Session, organisation: Organisation) -> tuple[int, date] | None:
    """The running cycle's number and the day it started (its start's effective day, else when it was made)."""
    found = session.exec(
        select(Cycle, started_column())
        .where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
        .options(defer(Cycle.definition_snapshot))  # type: ignore[arg-type]  # large, and not needed here
    ).first()
    if found is None:
        return None
    return started_bound(*found)


def last_effective_day(session: Session, entity: Any) -> date | None:
    """The effective day of the latest act recorded on this row (None before any, or before 0008_trust)."""
    found: date | None = session.exec(
        select(func.max(AuditEntry.effective_on)).where(
            AuditEntry.entity_type == type(entity).__tablename__,
            AuditEntry.entity_id == entity.id,
        )
    ).one()
    return found


def last_effective_days(session: Session, entities: list[Any]) -> dict[tuple[str, int], date]:
    """`last_effective_day` of each row at once, by (table name, id); rows without an act are left out."""
    if not entities:
        return {}
    rows = session.exec(
        select(AuditEntry.entity_type, AuditEntry.entity_id, func.max(AuditEntry.effective_on))
        .where(
            or_(
                *(and_(AuditEntry.entity_type == type(e).__tablename__, AuditEntry.entity_id == e.id) for e in entities)
            )
        )
        .group_by(col(AuditEntry.entity_type), col(AuditEntry.entity_id))
    ).all()
    return {(kind, entity_id): day for kind, entity_id, day in rows if entity_id is not None and day is not None}


def effective_day_of(session: Session, entity: Any, action: str) -> date | None:
    """The effective day of the latest `action` recorded on this row (e.g. its justering or completion)."""
    found: date | None = session.exec(
        select(col(AuditEntry.effective_on))
        .where(
            AuditEntry.entity_type == type(entity).__tablename__,
            AuditEntry.entity_id == entity.id,
            AuditEntry.action == action,
        )
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    return found


def when_text(session: Session, entity: Any, action: str, at: datetime) -> str:
    """When an act was recorded (Stockholm time) and, if earlier, the day it is effective for."""
    stamp = local(at).strftime("%Y-%m-%d %H:%M")
    effective = effective_day_of(session, entity, action)
    return (
        stamp if effective is None or stamp.startswith(effective.isoformat()) else f"{effective}, registrerat {stamp}"
    )


def describe(entity: Any) -> str:
    for attribute in ("title", "name"):
        if isinstance(getattr(entity, attribute, None), str):
            return f"'{getattr(entity, attribute)}'"
    return f"{type(entity).__tablename__} nr {entity.id}"


def held_then_and_now(
    session: Session,
    organisation: Organisation,
    person: Person,
    roles: list[Role],
    actor: Actor,
    assignments: Sequence[RoleAssignment] | None = None,
) -> list[Role]:
    """Of the roles the person holds on the effective day, those they also hold on the day of the act. When
    none is left, the refusal says why: the effective day is before their assignment, or they handed over.
    `assignments`: the person's assignments, when the caller read them with the roles (not read again)."""
    today = act_day(actor)
    ids = [saved.id for saved in roles]
    if assignments is None:
        assignments = session.exec(
            select(RoleAssignment).where(RoleAssignment.person_id == person.id, col(RoleAssignment.role_id).in_(ids))
        ).all()
    periods = [p for p in assignments if p.person_id == person.id and p.role_id in ids]
    then = {p.role_id for p in periods if p.holds_on(actor.on)}
    now = {p.role_id for p in periods if p.holds_on(today)}
    kept = [role for role in roles if role.id in then and role.id in now]
    if kept or not (then or now):
        return kept
    by_id = {role.id: role for role in roles}
    if now:
        role = by_id[next(iter(now))]
        first = min(p.starts_on for p in periods if p.role_id == role.id and p.holds_on(today))
        raise NotPermittedError(
            f"{person.name} har rollen {role.name} från {first}; datumet {actor.on} ligger före uppdraget, så "
            "handlingen kan inte gälla från den dagen"
        )
    role = by_id[next(iter(then))]
    ended = max(p.ends_on for p in periods if p.role_id == role.id and p.ends_on is not None)
    raise NotPermittedError(
        f"{person.name} har inte längre rollen {role.name} (lämnad {ended}): en tidigare innehavare kan inte "
        f"handla i rollen efter överlämningen, inte heller med ett tidigare datum ({actor.on}) "
        f"i {organisation.name}"
    )
