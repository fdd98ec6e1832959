"""Roles change hands: end one assignment, start the next, and give the successor a handover pack.

Open work belongs to roles (checklist items and åtgärder name a role function), so it follows the role:
the moment the successor's assignment starts, the work is theirs, and the predecessor may no longer act.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.models import (
    Body,
    BodyMembership,
    ChecklistItem,
    ContactRoute,
    Cycle,
    Decision,
    Measure,
    Person,
    Phase,
    Role,
    RoleAssignment,
)
from samverkan.models.enums import CycleStatus, ItemStatus, PhaseStatus
from samverkan.orgconfig.routes import redact
from samverkan.services.access import holders
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.authority import require_handover_authority, require_inside_domains
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import Handover
from samverkan.services.overview import find_organisation


def _role(session: Session, organisation_id: int, key: str) -> Role:
    role = session.exec(select(Role).where(Role.organisation_id == organisation_id, Role.key == key)).first()
    if role is None:
        keys = ", ".join(
            session.exec(select(Role.key).where(Role.organisation_id == organisation_id).order_by(col(Role.key))).all()
        )
        raise NotFoundError(f"rollen '{key}' finns inte (roller: {keys})")
    return role


def handover(session: Session, actor: Actor, given: Handover) -> RoleAssignment:
    """The role passes to `to_email` from `starts_on`; current holders' assignments end the day before."""
    org_key, on = actor.org_key, actor.on
    role_key, to_email, to_name, starts_on = given.role_key, given.to_email, given.to_name, given.starts_on
    organisation = find_organisation(session, org_key)
    role = _role(session, saved_id(organisation), role_key)
    acting = require_handover_authority(session, organisation, actor, role)
    starts = starts_on or on
    email = to_email.strip().lower()
    require_inside_domains(session, organisation, email, given.confirm_outside)
    successor = session.exec(select(Person).where(Person.email == email)).first()
    if successor is None:
        if not to_name:
            raise RefusedError(f"{email} finns inte i Samverkan än: ange namnet (--namn) så läggs personen till")
        successor = Person(email=email, name=to_name.strip())
        session.add(successor)
        session.flush()
        audit(session, acting, organisation.id, "person.add", successor, key=email, after={"name": to_name})
    ended = []
    for assignment in session.exec(select(RoleAssignment).where(RoleAssignment.role_id == role.id)).all():
        if assignment.person_id == successor.id and assignment.holds_on(starts):
            raise RefusedError(f"{successor.name} har redan rollen {role.name} den {starts}")
        if assignment.starts_on < starts and assignment.holds_on(starts):  # held on, and begun before, the day
            before = {"ends_on": assignment.ends_on}
            assignment.ends_on = starts - timedelta(days=1)
            session.add(assignment)
            ended.append(assignment.person_id)
            audit(
                session,
                acting,
                organisation.id,
                "assignment.end",
                assignment,
                key=role.key,
                before=before,
                after={"ends_on": assignment.ends_on},
            )
    new = RoleAssignment(role_id=saved_id(role), person_id=saved_id(successor), starts_on=starts, source="handover")
    session.add(new)
    audit(
        session,
        acting,
        organisation.id,
        "handover",
        new,
        key=role.key,
        before={"holders": ended},
        after={"person": email, "starts_on": starts},
    )
    return new


@dataclass
class HandoverPack:
    organisation: str
    role: str
    role_name: str
    on: str
    holders: list[str]
    open_items: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    recent_decisions: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    due_next: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def handover_pack(session: Session, org_key: str, role_key: str, on: date, decisions: int = 5) -> HandoverPack:
    """Everything a successor needs: open work with deadlines, recent decisions, bodies and contacts."""
    organisation = find_organisation(session, org_key)
    role = _role(session, saved_id(organisation), role_key)
    pack = HandoverPack(
        organisation.name,
        role.key,
        role.name,
        on.isoformat(),
        [f"{p.name} <{p.email}>" for p in holders(session, role, on)],
    )
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    if cycle is not None:
        pack.open_items = _open_items(session, cycle, role)
        pack.measures = _open_measures(session, cycle, role)
    pack.recent_decisions = _recent_decisions(session, saved_id(organisation), decisions)
    pack.bodies = _bodies(session, role)
    dated = [(i["due_on"], i["title"], "punkt") for i in pack.open_items if i["due_on"] and i["now"]]
    dated += [(m["due_on"], m["title"], "åtgärd") for m in pack.measures]
    pack.due_next = [{"due_on": due, "title": title, "kind": kind} for due, title, kind in sorted(dated)[:10]]
    return pack


def _open_items(session: Session, cycle: Cycle, role: Role) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Phase, ChecklistItem)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(
            Phase.cycle_id == cycle.id,
            ChecklistItem.owner_role_key == role.function,
            ChecklistItem.status == ItemStatus.OPEN,
        )
        .order_by(col(Phase.ordinal), col(ChecklistItem.id))
    ).all()
    return [
        {
            "id": item.id,
            "phase": phase.name,
            "key": item.key,
            "title": item.title,
            "due_on": item.due_on.isoformat() if item.due_on else None,
            "now": phase.status == PhaseStatus.ACTIVE,
        }
        for phase, item in rows
    ]


def _open_measures(session: Session, cycle: Cycle, role: Role) -> list[dict[str, Any]]:
    measures = session.exec(
        select(Measure).where(
            Measure.cycle_id == cycle.id, Measure.owner_role_key == role.function, Measure.unfinished()
        )
    ).all()
    return [
        {
            "id": measure.id,
            "title": measure.title,
            "due_on": measure.due_on.isoformat(),
            "status": measure.status,
            "progress_pct": measure.progress_pct,
        }
        for measure in measures
    ]


def _recent_decisions(session: Session, organisation_id: int, limit: int) -> list[dict[str, Any]]:
    recent = []
    for decision in session.exec(
        select(Decision)
        .where(Decision.organisation_id == organisation_id)
        .order_by(col(Decision.decided_on).desc(), col(Decision.id).desc())
        .limit(limit)
    ).all():
        body = session.get(Body, decision.body_id) if decision.body_id else None
        recent.append(
            {
                "id": decision.id,
                "number": decision.number,
                "decided_on": decision.decided_on.isoformat(),
                "body": body.name if body else None,
                "title": decision.title,
            }
        )
    return recent


def _bodies(session: Session, role: Role) -> list[dict[str, Any]]:
    """The bodies the role sits in, chairs or convenes, with their chair and their own channels."""
    body_ids: set[int | None] = set(
        session.exec(select(BodyMembership.body_id).where(BodyMembership.role_id == role.id)).all()
    )
    body_ids |= set(
        session.exec(
            select(col(Body.id)).where((col(Body.chair_role_id) == role.id) | (col(Body.convener_role_id) == role.id))
        ).all()
    )
    bodies = []
    for body in session.exec(
        select(Body).where(col(Body.id).in_(body_ids), col(Body.archived_at).is_(None)).order_by(col(Body.name))
    ).all():
        routes = session.exec(select(ContactRoute).where(ContactRoute.body_id == body.id)).all()
        chair = session.get(Role, body.chair_role_id) if body.chair_role_id else None
        bodies.append(
            {
                "key": body.key,
                "name": body.name,
                "chair": chair.name if chair else None,
                "is_chair": body.chair_role_id == role.id,
                "contacts": [f"{r.channel}: {redact(r.url_template)}" for r in routes],
            }
        )
    return bodies
