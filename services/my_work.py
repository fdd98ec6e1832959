"""A person's work across organisations: open checklist items of their roles, signatures owed, åtgärder
they own, and the meetings coming up. One read, shared by the web page and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select, and_, bindparam
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select as SqlSelect
from sqlmodel.sql.expression import SelectOfScalar

from samverkan.core.ids import saved_id
from samverkan.database import once_per_transaction
from samverkan.models import (
    Agreement,
    Body,
    BodyMembership,
    ChecklistItem,
    CitizenPromise,
    Cycle,
    Measure,
    Organisation,
    Person,
    Phase,
    Role,
    RoleAssignment,
    Signature,
)
from samverkan.models.enums import AgreementStatus, BodyKind, CycleStatus, ItemStatus, PhaseStatus
from samverkan.services.access import COORDINATING
from samverkan.services.agreements import latest_promises, party_of, signers
from samverkan.services.cycle_prefetch import plain_rows
from samverkan.services.est import reporting_role_among

OPEN_AGREEMENT = (AgreementStatus.DRAFT, AgreementStatus.PENDING_SIGNATURES)


@dataclass
class WorkEntry:
    kind: str  # punkt | underskrift | atgard
    title: str
    detail: str
    due_on: str | None
    overdue: bool
    ref: str  # item id, "agreement" / "promise:<kommun>", measure id


@dataclass
class OrganisationWork:
    key: str
    name: str
    roles: list[str]
    coordinating: bool
    phase: str | None
    entries: list[WorkEntry] = field(default_factory=list)
    est_groups: list[str] = field(default_factory=list)  # EST groups the person reports to

    @property
    def overdue(self) -> int:
        return sum(1 for e in self.entries if e.overdue)


@dataclass
class MyWork:
    person: str
    email: str
    on: str
    organisations: list[OrganisationWork]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for org, raw in zip(self.organisations, data["organisations"], strict=True):
            raw["overdue"] = org.overdue
        return data


@cache
def _held_roles() -> SqlSelect[Role, Organisation]:
    """The roles the person `person_id` holds on the day `on`, with their organisations. The queries here are
    built once, with their values as parameters: building a statement and its cache key again for every page cost
    more than running it (0.3 → 0.1 ms a statement)."""
    on: Any = bindparam("on", type_=sa.Date)  # held_on compares it with the assignment's days
    return (
        select(Role, Organisation)
        .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
        .join(Organisation, col(Organisation.id) == Role.organisation_id)
        .where(RoleAssignment.person_id == bindparam("person_id"), RoleAssignment.held_on(on))
        .where(col(Role.archived_at).is_(None))
        .order_by(col(Role.organisation_id), col(Role.key))
    )


def held_roles(session: Session, person: Person, on: date) -> dict[int, list[Role]]:
    """The person's roles on `on`, by organisation; their organisations are loaded with them (one statement, once
    per transaction: the page and its menu both ask)."""

    def read() -> tuple[dict[int, list[Role]], list[Organisation]]:
        rows = session.exec(_held_roles(), params={"person_id": person.id, "on": on}).all()
        by_org: dict[int, list[Role]] = {}
        for role, _organisation in rows:
            by_org.setdefault(role.organisation_id, []).append(role)
        return by_org, [organisation for _role, organisation in rows]  # kept, so that session.get finds them

    return once_per_transaction(session, ("held_roles", person.id, on), read)[0]


@cache
def _open_items() -> Select[Any]:
    """The open items of the phase `phase_id` owned by `functions`: only the columns shown (a phase may have
    hundreds). The queries here are built once, with their values as parameters (cycle_prefetch.py)."""
    return (
        select(col(ChecklistItem.id), ChecklistItem.title, ChecklistItem.owner_role_key, col(ChecklistItem.due_on))
        .where(
            ChecklistItem.phase_id == bindparam("phase_id"),
            ChecklistItem.status == ItemStatus.OPEN,
            col(ChecklistItem.owner_role_key).in_(bindparam("functions", expanding=True)),
        )
        .order_by(col(ChecklistItem.id))
    )


def _items(session: Session, phase: Phase | None, functions: set[str], on: date) -> list[WorkEntry]:
    if phase is None:
        return []
    rows = plain_rows(session, _open_items(), phase_id=phase.id, functions=sorted(functions))
    details: dict[str, str] = {}  # per owning function; most items of a phase share a few
    days: dict[date | None, tuple[str | None, bool]] = {None: (None, False)}  # deadline → (shown, overdue)
    entries = []
    for item_id, title, owner, due_on in rows:
        detail = details.get(owner)
        if detail is None:
            detail = details[owner] = f"{phase.name} · ansvarig: {owner}"
        day = days.get(due_on)
        if day is None:
            day = days[due_on] = (due_on.isoformat(), due_on < on)
        entries.append(WorkEntry("punkt", title, detail, day[0], day[1], str(item_id)))
    return entries


@cache
def _running_cycle() -> SqlSelect[Cycle, Phase]:
    """The running cycle of the organisation `organisation_id` and its current phase."""
    return (
        select(Cycle, Phase)
        .outerjoin(Phase, and_(col(Phase.cycle_id) == Cycle.id, col(Phase.status) == PhaseStatus.ACTIVE))
        .where(Cycle.organisation_id == bindparam("organisation_id"), Cycle.status == CycleStatus.ACTIVE)
        .options(defer(Cycle.definition_snapshot))  # type: ignore[arg-type]  # large, and not needed here
    )


def _running(session: Session, organisation: Organisation) -> tuple[Cycle | None, Phase | None]:
    """The organisation's running cycle and its current phase, in one statement."""
    found = session.exec(_running_cycle(), params={"organisation_id": organisation.id}).first()
    return (found[0], found[1]) if found else (None, None)


@cache
def _est_bodies() -> SqlSelect[Body, int]:
    """The EST groups of the organisation `organisation_id`, each with its members' roles."""
    return (
        select(Body, BodyMembership.role_id)
        .outerjoin(BodyMembership, col(BodyMembership.body_id) == Body.id)
        .where(
            Body.organisation_id == bindparam("organisation_id"),
            Body.kind == BodyKind.EST,
            col(Body.archived_at).is_(None),
        )
        .order_by(col(Body.name))
    )


def _est_groups(session: Session, organisation: Organisation, roles: list[Role]) -> list[str]:
    """The EST groups the person reports to (services/est.py::reporting_role), with their members in one
    statement."""
    members: dict[int, set[int]] = {}
    bodies: dict[int, Body] = {}
    for body, role_id in session.exec(_est_bodies(), params={"organisation_id": organisation.id}).all():
        bodies[saved_id(body)] = body
        members.setdefault(saved_id(body), set()).update([role_id] if role_id is not None else [])
    return [body.name for body_id, body in bodies.items() if reporting_role_among(roles, members[body_id])]


def _signatures(session: Session, org: Organisation, role_ids: set[int]) -> list[WorkEntry]:
    agreement = session.exec(
        select(Agreement).where(Agreement.organisation_id == org.id).order_by(col(Agreement.version).desc())
    ).first()
    if agreement is None:
        return []
    entries = []
    subjects: list[tuple[str, Agreement | CitizenPromise]] = []
    if agreement.status in OPEN_AGREEMENT:
        subjects.append(("agreement", agreement))
    promises = [p for p in latest_promises(session, agreement) if p.status in OPEN_AGREEMENT]  # this period's
    subjects += [(f"promise:{party_of(session, p.municipality_id).key}", p) for p in promises]
    for ref, subject in subjects:
        kind = "agreement" if isinstance(subject, Agreement) else "citizen_promise"
        signed = set(
            session.exec(
                select(Signature.party_id).where(Signature.subject_type == kind, Signature.subject_id == subject.id)
            ).all()
        )
        for signer in signers(session, org, subject):
            if signer.role is not None and signer.role.id in role_ids and signer.party.id not in signed:
                waiting = "väntar på fler parter" if signed else "ingen part har skrivit under än"
                entries.append(
                    WorkEntry(
                        "underskrift",
                        f"Skriv under: {subject.title}",
                        f"för {signer.party.name} ({waiting})",
                        None,
                        False,
                        ref,
                    )
                )
    return entries


@cache
def _unfinished_measures() -> SelectOfScalar[Measure]:
    """The unfinished åtgärder of the cycle `cycle_id` owned by `keys`."""
    return (
        select(Measure)
        .where(
            Measure.cycle_id == bindparam("cycle_id"),
            col(Measure.owner_role_key).in_(bindparam("keys", expanding=True)),
            Measure.unfinished(),
        )
        .order_by(col(Measure.due_on))
    )


def _measures(session: Session, cycle: Cycle, keys: set[str], on: date) -> list[WorkEntry]:
    measures = session.exec(_unfinished_measures(), params={"cycle_id": cycle.id, "keys": sorted(keys)}).all()
    return [
        WorkEntry(
            "atgard",
            m.title,
            f"status {m.status} · {m.progress_pct} % klart",
            m.due_on.isoformat(),
            m.due_on < on,
            str(m.id),
        )
        for m in measures
        if m.due_on <= on + timedelta(days=60) or m.status != "gron"
    ]


def my_work(session: Session, person: Person, on: date) -> MyWork:

    organisations = []
    for org_id, roles in held_roles(session, person, on).items():
        org = session.get(Organisation, org_id)
        if org is None or org.config_hash is None:
            continue
        functions = {r.function or r.key for r in roles} | {r.key for r in roles}
        work = OrganisationWork(org.key, org.name, [r.name for r in roles], bool(functions & set(COORDINATING)), None)
        cycle, phase = _running(session, org)
        if cycle is not None:
            work.phase, work.entries = phase.name if phase else None, _items(session, phase, functions, on)
            work.entries += _measures(session, cycle, functions, on)
        if any(r.signatory for r in roles):
            work.entries += _signatures(session, org, {saved_id(r) for r in roles if r.signatory})
        work.entries.sort(key=lambda e: (not e.overdue, e.due_on or "9999", e.kind))
        work.est_groups = _est_groups(session, org, roles)
        organisations.append(work)
    organisations.sort(key=lambda w: w.name)
    return MyWork(person.name, person.email, on.isoformat(), organisations)
