"""The sweep: everything due now, for every organisation, handed to the notification outbox in one go.

Exactly once: every planned action has an identity (organisation, trigger, occurrence:action), recorded as a
`trigger_occurrence` row in the same transaction as the outbox rows it causes. A second sweep skips what the
first recorded; a sweep killed midway rolls back whole and the next one does the work; two sweeps running at
once collide on the unique key and one of them rolls back. Actions missed while nothing ran are still done
within `lookback_days`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.models import (
    Body,
    BodyMembership,
    Cadence,
    ChecklistItem,
    Cycle,
    Measure,
    Notification,
    Organisation,
    Person,
    Phase,
    Role,
    RoleAssignment,
    TriggerOccurrence,
)
from samverkan.models.enums import CycleStatus, ItemStatus, NotificationStatus, PhaseStatus
from samverkan.scheduling.cadence import Occurrence, expand
from samverkan.scheduling.triggers import PlannedAction, deadline_actions, occurrence_actions
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.templates.rendering import render

DELIVER_FROM = time(8, 0)
PLANNING_HORIZON_DAYS = 45  # actions are due at most this long before their occurrence
MAX_MOVE_DAYS = 120  # an occurrence can be moved this far past its nominal date (a long summer break)


@dataclass
class OrgContext:
    """Everything a sweep needs about one organisation, loaded in bulk."""

    org: Organisation
    calendar: WorkCalendar
    roles: dict[str, Role] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    body_roles: dict[int, list[int]] = field(default_factory=dict)  # body id → member, chair and convener roles
    cadences: list[Cadence] = field(default_factory=list)

    def roles_for(self, target: str) -> list[Role]:
        if target in self.roles:
            return [self.roles[target]]
        body = self.bodies.get(target)
        if body is None:
            return []
        by_id = {role.id: role for role in self.roles.values()}
        return [by_id[role_id] for role_id in self.body_roles.get(body.id, []) if role_id in by_id]  # type: ignore[arg-type]

    def function_roles(self, function: str) -> list[Role]:
        return [role for role in self.roles.values() if role.function == function]

    def chair_of_kind(self, kind: str | None) -> list[Role]:
        """The chair of the deciding body (by kind), else of the first steering body, for escalations."""
        by_id = {role.id: role for role in self.roles.values()}
        bodies = sorted(
            self.bodies.values(),
            key=lambda b: (b.kind != kind, b.kind not in ("styrgrupp", "lokala_bra", "ledningsgrupp"), b.key),
        )
        for body in bodies:
            if body.chair_role_id in by_id:
                return [by_id[body.chair_role_id]]
        return []


@dataclass
class SweepResult:
    """What one sweep (or a whole simulation) did."""

    triggers: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    notifications: Counter[str] = field(default_factory=Counter)
    documents: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    already_done: int = 0
    vacancies: dict[tuple[str, str], list[date]] = field(default_factory=dict)  # (org, role) → days it was addressed

    def merge(self, other: SweepResult) -> None:
        self.triggers.update(other.triggers)
        self.actions.update(other.actions)
        self.notifications.update(other.notifications)
        self.documents += other.documents
        self.errors += other.errors
        self.already_done += other.already_done
        for key, days in other.vacancies.items():
            self.vacancies.setdefault(key, []).extend(days)

    def vacancy_errors(self) -> list[str]:
        return [
            f"{org}: rollen {role} är vakant – {len(days)} utskick från {min(days)} till {max(days)} når inte rollen"
            for (org, role), days in sorted(self.vacancies.items())
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "triggers": dict(sorted(self.triggers.items())),
            "actions": dict(sorted(self.actions.items())),
            "notifications": dict(sorted(self.notifications.items())),
            "notifications_total": sum(self.notifications.values()),
            "packets": self.documents,
            "errors": self.errors + self.vacancy_errors(),
            "already_done": self.already_done,
        }


class Holders:
    """Who holds which role on which day, from one bulk query."""

    def __init__(self, session: Session, role_ids: Iterable[int]) -> None:
        self.by_role: dict[int, list[RoleAssignment]] = defaultdict(list)
        ids = list(role_ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for assignment in session.exec(select(RoleAssignment).where(col(RoleAssignment.role_id).in_(chunk))):
                self.by_role[assignment.role_id].append(assignment)

    def on(self, role: Role, day: date) -> list[int]:
        return [a.person_id for a in self.by_role.get(role.id, []) if a.holds_on(day)]  # type: ignore[arg-type]


def load_contexts(session: Session, org_keys: Iterable[str] | None = None) -> list[OrgContext]:
    query = select(Organisation).where(col(Organisation.source_file).is_not(None)).order_by(Organisation.key)
    if org_keys is not None:
        query = query.where(col(Organisation.key).in_(list(org_keys)))
    contexts = {
        org.id: OrgContext(org, WorkCalendar.from_settings(org.settings.get("breaks", [])))  # type: ignore[arg-type]
        for org in session.exec(query)
    }
    ids = list(contexts)
    for role in session.exec(select(Role).where(col(Role.organisation_id).in_(ids), col(Role.archived_at).is_(None))):
        contexts[role.organisation_id].roles[role.key] = role
    bodies = session.exec(select(Body).where(col(Body.organisation_id).in_(ids), col(Body.archived_at).is_(None))).all()
    for body in bodies:
        contexts[body.organisation_id].bodies[body.key] = body
    body_org = {body.id: body.organisation_id for body in bodies}
    for membership in session.exec(select(BodyMembership).where(col(BodyMembership.body_id).in_(list(body_org)))):
        contexts[body_org[membership.body_id]].body_roles.setdefault(membership.body_id, []).append(membership.role_id)
    for body in bodies:
        extra = [r for r in (body.chair_role_id, body.convener_role_id) if r]
        listed = contexts[body.organisation_id].body_roles.setdefault(body.id, [])  # type: ignore[arg-type]
        listed += [r for r in extra if r not in listed]
    for cadence in session.exec(
        select(Cadence)
        .where(col(Cadence.organisation_id).in_(ids), col(Cadence.archived_at).is_(None))
        .order_by(Cadence.key)
    ):
        contexts[cadence.organisation_id].cadences.append(cadence)
    return list(contexts.values())


@lru_cache(maxsize=20_000)
def _year_occurrences(rule_json: str, calendar: WorkCalendar, year: int) -> tuple[Occurrence, ...]:
    return tuple(expand(json.loads(rule_json), calendar, date(year, 1, 1), date(year, 12, 31)))


def cadence_occurrences(cadence: Cadence, calendar: WorkCalendar, first: date, last: date) -> list[Occurrence]:
    rule_json = json.dumps(cadence.rule, sort_keys=True)
    return [
        o
        for year in range(first.year, last.year + 1)
        for o in _year_occurrences(rule_json, calendar, year)
        if first <= date.fromisoformat(o.key) <= last
    ]


def planned_actions(context: OrgContext, first: date, last: date) -> list[PlannedAction]:
    """Cadence actions of one organisation due in [first, last]."""
    actions = []
    for cadence in context.cadences:
        window = (first - timedelta(days=MAX_MOVE_DAYS), last + timedelta(days=PLANNING_HORIZON_DAYS))
        for occurrence in cadence_occurrences(cadence, context.calendar, *window):
            for action in occurrence_actions(cadence.key, cadence.trigger, cadence.title, occurrence, context.calendar):
                if first <= action.due <= last:
                    actions.append(action)
    return actions


@dataclass(frozen=True)
class Deadline:
    organisation_id: int
    trigger_key: str
    kind: str
    title: str
    due_on: date
    owner_function: str
    deciding_kind: str | None


def open_deadlines(session: Session, organisation_ids: list[int]) -> list[Deadline]:
    rows = session.exec(
        select(Cycle.organisation_id, ChecklistItem, Phase.deciding_body_key)
        .join(Phase, col(Phase.cycle_id) == Cycle.id)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(
            col(Cycle.organisation_id).in_(organisation_ids),
            Cycle.status == CycleStatus.ACTIVE,
            Phase.status == PhaseStatus.ACTIVE,
            ChecklistItem.status == ItemStatus.OPEN,
            col(ChecklistItem.due_on).is_not(None),
        )
    ).all()
    deadlines = [
        Deadline(org_id, f"item:{item.id}", "item_deadline", item.title, item.due_on, item.owner_role_key, deciding)
        for org_id, item, deciding in rows
    ]
    for org_id, measure in session.exec(
        select(Cycle.organisation_id, Measure)
        .join(Measure, col(Measure.cycle_id) == Cycle.id)
        .where(
            col(Cycle.organisation_id).in_(organisation_ids),
            Cycle.status == CycleStatus.ACTIVE,
            Measure.progress_pct < 100,
        )
    ).all():
        deadlines.append(
            Deadline(
                org_id,
                f"measure:{measure.id}",
                "measure_deadline",
                measure.title,
                measure.due_on,
                measure.owner_role_key,
                "styrgrupp",
            )
        )
    return deadlines


@dataclass(frozen=True)
class OpenedPhase:
    organisation_id: int
    phase_id: int
    name: str
    opened_on: date
    opened_key: str
    owner_functions: tuple[str, ...]


def opened_phases(session: Session, organisation_ids: list[int], first: date) -> list[OpenedPhase]:
    """Active phases opened since `first`: their owners get to know at once (or at the next sweep)."""
    rows = session.exec(
        select(Cycle.organisation_id, Phase)
        .join(Phase, col(Phase.cycle_id) == Cycle.id)
        .where(
            col(Cycle.organisation_id).in_(organisation_ids),
            Cycle.status == CycleStatus.ACTIVE,
            Phase.status == PhaseStatus.ACTIVE,
            col(Phase.opened_at).is_not(None),
        )
    ).all()
    result = []
    for org_id, phase in rows:
        opened = phase.opened_at.astimezone(STOCKHOLM)  # type: ignore[union-attr]
        if opened.date() < first:
            continue
        owners = session.exec(select(ChecklistItem.owner_role_key).where(ChecklistItem.phase_id == phase.id)).all()
        result.append(
            OpenedPhase(
                org_id,
                phase.id,
                phase.name,
                opened.date(),
                opened.strftime("%Y%m%dT%H%M%S"),  # type: ignore[arg-type]
                tuple(sorted(set(owners))),
            )
        )
    return result


def _fired(session: Session, organisation_ids: list[int], since: datetime) -> set[tuple[int, str, str]]:
    rows = session.exec(
        select(
            TriggerOccurrence.organisation_id, TriggerOccurrence.trigger_key, TriggerOccurrence.occurrence_key
        ).where(col(TriggerOccurrence.organisation_id).in_(organisation_ids), TriggerOccurrence.scheduled_for >= since)
    ).all()
    return {(org_id, trigger, occurrence) for org_id, trigger, occurrence in rows}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=STOCKHOLM)


def sweep(
    session: Session,
    now: datetime | None = None,
    *,
    org_keys: Iterable[str] | None = None,
    lookback_days: int = 7,
    documents_dir: Path | None = None,
    base_url: str | None = None,
    kinds: Iterable[str] | None = None,
) -> SweepResult:
    """Find everything due up to `now` and not yet done; write outbox rows and occurrence records.

    Runs inside the caller's transaction: commit makes all of it happen, an error or a kill makes none.
    """
    now = now or utcnow()
    kinds = set(kinds) if kinds is not None else None
    today = now.astimezone(STOCKHOLM).date()
    first = today - timedelta(days=lookback_days)
    base = (base_url or get_settings().base_url).rstrip("/")
    result = SweepResult()
    contexts = load_contexts(session, org_keys)
    if not contexts:
        return result
    by_id = {context.org.id: context for context in contexts}
    holders = Holders(session, [role.id for c in contexts for role in c.roles.values()])  # type: ignore[misc]
    fired = _fired(session, list(by_id), _local_midnight(first - timedelta(days=1)))
    persons: dict[int, Person] = {}
    deadlines = defaultdict(list)
    for deadline in open_deadlines(session, list(by_id)):
        deadlines[deadline.organisation_id].append(deadline)
    phases = defaultdict(list)
    for opened in opened_phases(session, list(by_id), first):
        phases[opened.organisation_id].append(opened)

    occurrence_rows: list[dict[str, Any]] = []
    notification_rows: list[dict[str, Any]] = []
    for context in contexts:
        work: list[tuple[PlannedAction, list[Role], str]] = []
        body_keys = {body.id: key for key, body in context.bodies.items()}
        cadence_targets = {
            c.key: list(c.notify) or ([body_keys[c.body_id]] if c.body_id in body_keys else [])
            for c in context.cadences
        }
        for action in planned_actions(context, first, today):
            roles = [r for target in cadence_targets[action.trigger_key] for r in context.roles_for(target)]
            work.append((action, roles, action.occurrence.key if action.occurrence else ""))
        for deadline in deadlines.get(context.org.id, []):  # type: ignore[arg-type]
            for action in deadline_actions(deadline.trigger_key, deadline.kind, deadline.title, deadline.due_on):
                if first <= action.due <= today:
                    owners = context.function_roles(deadline.owner_function)
                    roles = owners + (
                        context.chair_of_kind(deadline.deciding_kind) if action.action == "eskalering" else []
                    )
                    work.append((action, roles, deadline.due_on.isoformat()))
        for opened in phases.get(context.org.id, []):  # type: ignore[arg-type]
            action = PlannedAction(
                f"phase:{opened.phase_id}",
                f"{opened.opened_key}:fas-oppnad",
                "phase_opened",
                "fas-oppnad",
                opened.opened_on,
                f"Ny fas: {opened.name} har öppnats",
            )
            roles = [r for function in opened.owner_functions for r in context.function_roles(function)]
            work.append((action, roles, opened.opened_on.isoformat()))
        if kinds is not None:
            work = [entry for entry in work if entry[0].kind in kinds]
        for action, roles, occurrence in work:
            identity = (context.org.id, action.trigger_key, action.occurrence_key)
            if identity in fired:
                result.already_done += 1
                continue
            fired.add(identity)
            identity_key = f"{context.org.key}:{action.trigger_key}:{action.occurrence_key}"
            recipients = _recipients(roles, holders, action.due, persons, session)
            attachment = None
            if action.attachment and documents_dir is not None:
                attachment = _render_document(session, context, action, documents_dir)
                result.documents.append(str(attachment))
            for role in roles:
                if not holders.on(role, action.due):
                    result.vacancies.setdefault((context.org.name, role.name), []).append(action.due)
            if not recipients:
                result.errors.append(
                    f"{context.org.name}: '{action.subject}' ({action.due}) når ingen – "
                    f"{', '.join(r.name for r in roles) or 'ingen mottagare angiven'} är vakant"
                )
            not_before = max(now, datetime.combine(action.due, DELIVER_FROM, tzinfo=STOCKHOLM))
            if action.action == "gemensam-lagesbild" and action.occurrence is not None:
                not_before = max(not_before, action.occurrence.end)
            for person, role in recipients:
                body_text = render(
                    "messages/action.txt.j2",
                    action=action,
                    org=context.org,
                    person=person,
                    role=role,
                    base_url=base,
                    occurrence=occurrence,
                    attachment=attachment.name if attachment else None,
                )
                notification_rows.append(
                    {
                        "idempotency_key": f"{identity_key}:{person.id}",
                        "organisation_id": context.org.id,
                        "kind": action.action,
                        "person_id": person.id,
                        "role_key": role.key,
                        "subject": action.subject,
                        "body_text": body_text,
                        "attachments": [str(attachment)] if attachment else [],
                        "related_type": action.trigger_key.split(":")[0] if ":" in action.trigger_key else "cadence",
                        "related_id": int(action.trigger_key.split(":")[1]) if ":" in action.trigger_key else None,
                        "status": NotificationStatus.PENDING,
                        "not_before": not_before,
                        "attempts": 0,
                        "created_at": now,
                    }
                )
                result.notifications[role.key] += 1
            occurrence_rows.append(
                {
                    "organisation_id": context.org.id,
                    "trigger_key": action.trigger_key,
                    "occurrence_key": action.occurrence_key,
                    "scheduled_for": _local_midnight(action.due),
                    "fired_at": now,
                    "result": {"kind": action.kind, "action": action.action, "recipients": len(recipients)},
                }
            )
            result.triggers[action.kind] += 1
            result.actions[action.action] += 1
    if occurrence_rows:
        session.execute(insert(TriggerOccurrence), occurrence_rows)
    if notification_rows:
        session.execute(insert(Notification), notification_rows)
    return result


def _recipients(
    roles: list[Role], holders: Holders, day: date, persons: dict[int, Person], session: Session
) -> list[tuple[Person, Role]]:
    """Each person once, addressed through the first of their roles that the action names."""
    seen: dict[int, tuple[Person, Role]] = {}
    for role in roles:
        for person_id in holders.on(role, day):
            if person_id not in seen:
                if person_id not in persons:
                    persons[person_id] = session.get(Person, person_id)  # type: ignore[assignment]
                seen[person_id] = (persons[person_id], role)
    return list(seen.values())


def _render_document(session: Session, context: OrgContext, action: PlannedAction, folder: Path) -> Path:
    from samverkan.scheduling.documents import render_document

    return render_document(session, context.org, action, folder)
