"""An organisation at a glance: parties, bodies, who holds which role, cadences, indicators, cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from samverkan.core.ids import saved_id
from samverkan.database import once_per_transaction
from samverkan.models import (
    Agreement,
    Body,
    BodyMembership,
    Cadence,
    Cycle,
    Indicator,
    Organisation,
    OrganisationLink,
    Person,
    Phase,
    Role,
    RoleAssignment,
)
from samverkan.models.enums import CycleStatus, PhaseStatus
from samverkan.orgconfig.describe import describe_schedule
from samverkan.services.errors import NotFoundError


@dataclass
class RoleView:
    key: str
    name: str
    party: str
    holders: list[str]
    signatory: bool


@dataclass
class BodyView:
    key: str
    name: str
    kind: str
    chair: str | None
    members: list[str]


@dataclass
class CadenceView:
    key: str
    title: str
    trigger: str
    body: str | None
    when: str


@dataclass
class IndicatorView:
    key: str
    name: str
    unit: str
    area: str | None
    baseline: str | None
    target: str | None
    national: str | None


@dataclass
class CycleView:
    number: int
    status: str
    definition: str
    current_phase: str | None


@dataclass
class OrganisationOverview:
    key: str
    name: str
    kind: str
    county: str | None
    population: int | None
    statistics: dict[str, Any]
    on: str
    parties: list[dict[str, Any]] = field(default_factory=list)
    roles: list[RoleView] = field(default_factory=list)
    bodies: list[BodyView] = field(default_factory=list)
    cadences: list[CadenceView] = field(default_factory=list)
    indicators: list[IndicatorView] = field(default_factory=list)
    agreement: dict[str, Any] | None = None
    cycle: CycleView | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _by_key() -> SelectOfScalar[Organisation]:
    """The organisation with the key `key`: built once (every organisation's page asks; building the statement
    and its cache key cost more than running it)."""
    return select(Organisation).where(Organisation.key == bindparam("key"))


def find_organisation(session: Session, key: str) -> Organisation:
    """The organisation by its key; asked again in the same transaction (the page's membership, then the
    service), it is the row already loaded, without a statement."""
    org = once_per_transaction(
        session,
        ("organisation", key),
        lambda: session.exec(_by_key(), params={"key": key}).first(),
    )
    if org is None:
        known = (
            ", ".join(
                session.exec(
                    select(Organisation.key)
                    .where(col(Organisation.source_file).is_not(None))
                    .order_by(col(Organisation.key))
                ).all()
            )
            or "inga"
        )
        raise NotFoundError(f"organisationen '{key}' finns inte (inlästa: {known})")
    return org


def remember_organisation(session: Session, organisation: Organisation) -> None:
    """The organisation, loaded by another statement of this transaction (the viewer's roles with their
    organisations), as find_organisation's answer for its key: asked later, it issues no statement."""
    once_per_transaction(session, ("organisation", organisation.key), lambda: organisation)


def holders_on(session: Session, role_ids: list[int], day: date) -> dict[int, list[Person]]:
    """Who holds each role on `day` (an assignment's end date is its last day)."""
    rows = session.exec(
        select(RoleAssignment, Person)
        .join(Person, col(Person.id) == RoleAssignment.person_id)
        .where(col(RoleAssignment.role_id).in_(role_ids))
        .where(RoleAssignment.held_on(day))
        .order_by(col(Person.name))
    ).all()
    result: dict[int, list[Person]] = {}
    for assignment, person in rows:
        result.setdefault(assignment.role_id, []).append(person)
    return result


def _figure(value: float | None, year: int | None, unit: str) -> str | None:
    if value is None:
        return None
    shown = f"{value:,.1f}".replace(",", " ").replace(".", ",").removesuffix(",0")
    return f"{shown} {unit} ({year})"


def organisation_overview(session: Session, key: str, on: date) -> OrganisationOverview:
    org = find_organisation(session, key)
    overview = OrganisationOverview(
        org.key, org.name, org.kind, org.county, org.population, dict(org.statistics), on.isoformat()
    )
    overview.parties = _parties(session, org)
    roles = session.exec(
        select(Role).where(Role.organisation_id == org.id, col(Role.archived_at).is_(None)).order_by(col(Role.name))
    ).all()
    overview.roles = _roles(session, roles, on)
    role_names = {r.id: r.name for r in roles}
    bodies = session.exec(
        select(Body).where(Body.organisation_id == org.id, col(Body.archived_at).is_(None)).order_by(col(Body.name))
    ).all()
    for body in bodies:
        member_ids = session.exec(select(BodyMembership.role_id).where(BodyMembership.body_id == body.id)).all()
        overview.bodies.append(
            BodyView(
                body.key,
                body.name,
                body.kind,
                role_names.get(body.chair_role_id) if body.chair_role_id else None,
                sorted(role_names[m] for m in member_ids if m in role_names),
            )
        )
    overview.cadences = _cadences(session, org, {b.id: b.name for b in bodies})
    overview.indicators = _indicators(session, org)
    overview.agreement = _agreement(session, org)
    overview.cycle = _cycle(session, org)
    return overview


def _parties(session: Session, org: Organisation) -> list[dict[str, Any]]:
    return [
        {
            "key": member.key,
            "name": member.name,
            "relation": link.relation,
            "assumed": member.assumed,
            "population": member.population,
        }
        for link, member in session.exec(
            select(OrganisationLink, Organisation)
            .join(Organisation, col(Organisation.id) == OrganisationLink.member_id)
            .where(OrganisationLink.organisation_id == org.id)
            .order_by(col(OrganisationLink.relation), col(Organisation.name))
        ).all()
    ]


def _roles(session: Session, roles: Sequence[Role], on: date) -> list[RoleView]:
    party_names = {p.id: p.name for p in session.exec(select(Organisation)).all()}
    holders = holders_on(session, [saved_id(r) for r in roles], on)
    return [
        RoleView(
            role.key,
            role.name,
            party_names.get(role.party_id, ""),
            [p.name for p in holders.get(saved_id(role), [])],
            role.signatory,
        )
        for role in roles
    ]


def _cadences(session: Session, org: Organisation, body_names: dict[int | None, str]) -> list[CadenceView]:
    return [
        CadenceView(
            cadence.key,
            cadence.title,
            cadence.trigger,
            body_names.get(cadence.body_id),
            describe_schedule(cadence.rule),
        )
        for cadence in session.exec(
            select(Cadence)
            .where(Cadence.organisation_id == org.id, col(Cadence.archived_at).is_(None))
            .order_by(col(Cadence.key))
        )
    ]


def _indicators(session: Session, org: Organisation) -> list[IndicatorView]:
    return [
        IndicatorView(
            ind.key,
            ind.name,
            ind.unit,
            ind.area,
            _figure(ind.baseline_value, ind.baseline_year, ind.unit),
            _figure(ind.target_value, ind.target_year, ind.unit),
            _figure(ind.national_value, ind.national_year, ind.unit),
        )
        for ind in session.exec(
            select(Indicator)
            .where(Indicator.organisation_id == org.id, col(Indicator.archived_at).is_(None))
            .order_by(col(Indicator.key))
        )
    ]


def _agreement(session: Session, org: Organisation) -> dict[str, Any] | None:
    agreement = session.exec(
        select(Agreement).where(Agreement.organisation_id == org.id).order_by(col(Agreement.version).desc())
    ).first()
    if agreement is None:
        return None
    return {
        "title": agreement.title,
        "version": agreement.version,
        "status": agreement.status,
        "from": agreement.period_start.isoformat(),
        "to": agreement.period_end.isoformat(),
        "citizen_promise_years": agreement.citizen_promise_years,
    }


def _cycle(session: Session, org: Organisation) -> CycleView | None:
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == org.id).order_by(col(Cycle.number).desc())
    ).first()
    if cycle is None:
        return None
    phase = session.exec(select(Phase).where(Phase.cycle_id == cycle.id, Phase.status == PhaseStatus.ACTIVE)).first()
    return CycleView(
        cycle.number,
        cycle.status,
        cycle.definition_key,
        phase.name if phase and cycle.status == CycleStatus.ACTIVE else None,
    )
