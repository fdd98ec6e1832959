"""A person's work across organisations: open checklist items of their roles, signatures owed, åtgärder
they own, and the meetings coming up. One read, shared by the web page and the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import CompoundSelect, and_, bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select as SqlSelect

from samverkan.core.ids import saved_id
from samverkan.core.labels import label
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
from samverkan.services.agreements import latest_promises, missing_before_signing, party_of, signers
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
        mine = [
            signer
            for signer in signers(session, org, subject)
            if signer.role is not None and signer.role.id in role_ids and signer.party.id not in signed
        ]
        lacking = missing_before_signing(session, org, subject) if mine else []
        for signer in mine:
            if lacking:  # the signature is owed, but the text may not be signed yet: say so, not "Skriv under"
                title = f"Underskrift senare: {subject.title}"
                detail = f"för {signer.party.name} när innehållet är komplett (det saknas: {', '.join(lacking)})"
            else:
                waiting = "väntar på fler parter" if signed else "ingen part har skrivit under än"
                title, detail = f"Skriv under: {subject.title}", f"för {signer.party.name} ({waiting})"
            entries.append(WorkEntry("underskrift", title, detail, None, False, ref))
    return entries


@cache
def _cycle_work() -> CompoundSelect[Any]:
    """What the person has to do in the running cycle of the organisation `organisation_id`, in one statement
    (three before): a row for the cycle with its current phase's name, the phase's open items owned by
    `functions`, and the cycle's unfinished åtgärder owned by them; no rows when no cycle is running. Each row:
    kind, id, title, owner, deadline, status, progress. The queries here are built once, with their values as
    parameters: building a statement and its cache key again for every page cost more than running it."""
    running = and_(col(Cycle.organisation_id) == bindparam("organisation_id"), col(Cycle.status) == CycleStatus.ACTIVE)
    current = and_(col(Phase.cycle_id) == Cycle.id, col(Phase.status) == PhaseStatus.ACTIVE)
    functions: Any = bindparam("functions", expanding=True)
    no_day, nothing, zero = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Integer)
    cycle = (
        sa.select(sa.literal(_CYCLE), col(Cycle.id), col(Phase.name), nothing, no_day, nothing, zero)
        .select_from(Cycle)
        .outerjoin(Phase, current)
        .where(running)
    )
    items = (
        sa.select(
            sa.literal(_ITEM),
            col(ChecklistItem.id),
            col(ChecklistItem.title),
            col(ChecklistItem.owner_role_key),
            col(ChecklistItem.due_on),
            col(ChecklistItem.status),
            zero,
        )
        .join(Phase, col(Phase.id) == ChecklistItem.phase_id)
        .join(Cycle, current)
        .where(running, col(ChecklistItem.status) == ItemStatus.OPEN, col(ChecklistItem.owner_role_key).in_(functions))
    )
    measures = (
        sa.select(
            sa.literal(_MEASURE),
            col(Measure.id),
            col(Measure.title),
            col(Measure.owner_role_key),
            col(Measure.due_on),
            col(Measure.status),
            col(Measure.progress_pct),
        )
        .join(Cycle, col(Cycle.id) == Measure.cycle_id)
        .where(running, col(Measure.owner_role_key).in_(functions), Measure.unfinished())
    )
    return sa.union_all(cycle, items, measures)


_CYCLE, _ITEM, _MEASURE = 0, 1, 2


def _cycle_work_of(
    session: Session, organisation: Organisation, functions: dict[str, str], on: date
) -> tuple[str | None, list[WorkEntry]]:
    """The running cycle's current phase's name, and the person's open items (in order) and unfinished åtgärder
    (by deadline) in it; (None, []) when no cycle is running. `functions`: the person's roles' functions and keys,
    each with the role's name (what the page says is responsible)."""
    rows = plain_rows(session, _cycle_work(), organisation_id=organisation.id, functions=sorted(functions))
    running = [row for row in rows if row[0] == _CYCLE]
    if not running:
        return None, []
    phase = running[0][2]
    items = sorted((row for row in rows if row[0] == _ITEM), key=lambda row: row[1]) if phase is not None else []
    measures = sorted((row for row in rows if row[0] == _MEASURE), key=lambda row: (row[4], row[1]))
    details: dict[str, str] = {}  # per owning function; most items of a phase share a few
    days: dict[date | None, tuple[str | None, bool]] = {None: (None, False)}  # deadline → (shown, overdue)
    entries = []
    for _kind, item_id, title, owner, due_on, _status, _progress in items:
        detail = details.get(owner)
        if detail is None:
            detail = details[owner] = f"{phase} · ansvarig: {functions.get(owner, owner)}"
        day = days.get(due_on)
        if day is None:
            day = days[due_on] = (due_on.isoformat(), due_on < on)
        entries.append(WorkEntry("punkt", title, detail, day[0], day[1], str(item_id)))
    horizon = on + timedelta(days=60)
    entries += [
        WorkEntry(
            "atgard", title, f"status {label(status)} · {progress} % klart", due_on.isoformat(), due_on < on, str(m_id)
        )
        for _kind, m_id, title, _owner, due_on, status, progress in measures
        if due_on <= horizon or status != "gron"
    ]
    return phase, entries


def my_work(session: Session, person: Person, on: date) -> MyWork:

    organisations = []
    for org_id, roles in held_roles(session, person, on).items():
        org = session.get(Organisation, org_id)
        if org is None or org.config_hash is None:
            continue
        functions = {r.key: r.name for r in roles} | {r.function: r.name for r in roles if r.function}
        work = OrganisationWork(org.key, org.name, [r.name for r in roles], bool(functions.keys() & COORDINATING), None)
        work.phase, work.entries = _cycle_work_of(session, org, functions, on)
        if any(r.signatory for r in roles):
            work.entries += _signatures(session, org, {saved_id(r) for r in roles if r.signatory})
        work.entries.sort(key=lambda e: (not e.overdue, e.due_on or "9999", e.kind))
        work.est_groups = _est_groups(session, org, roles)
        organisations.append(work)
    organisations.sort(key=lambda w: w.name)
    return MyWork(person.name, person.email, on.isoformat(), organisations)
