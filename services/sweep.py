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
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import BindParameter, Select, bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM, utcnow
from samverkan.database.bulk import bulk_insert
from samverkan.database.id_lists import among, ids_parameter
from samverkan.models import (
    Body,
    BodyMembership,
    Cadence,
    ChecklistItem,
    ContactRoute,
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
from samverkan.models.base import table_of
from samverkan.models.enums import NotificationStatus, Related
from samverkan.models.organisation import settings_section
from samverkan.notifications.owed import item_owed, measure_owed, phase_owed
from samverkan.roles.address import salutation
from samverkan.scheduling.actions import Action
from samverkan.scheduling.arshjul import MOVE_MARGIN, expand_organisation
from samverkan.scheduling.cadence import KeyedRule, cadence_calendar
from samverkan.scheduling.calendar import CalendarEvent
from samverkan.scheduling.triggers import (
    TRIGGER_ACTIONS,
    PlannedAction,
    cadence_actions,
    deadline_actions,
    owed_reminders,
)
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.services.invitations import invitation, meeting_event, party, snapshot, write_invitation
from samverkan.services.stored_plan import plan_key, stored_windows
from samverkan.services.sweep_message import render_message

if TYPE_CHECKING:
    from samverkan.services.documents import DocumentBatch

DELIVER_FROM = time(8, 0)
CALLING_KINDS = {
    "est_meeting",
    "body_meeting",
    "network_meeting",
}  # the triggers whose occurrences are called (kallelse)
DEADLINE_KINDS = ("item_deadline", "measure_deadline")
ONE_DAY = timedelta(days=1)
CLOSED_STRETCH = 6  # the longest run of closed days (Christmas, Easter) a reminder can be moved back over


@dataclass
class OrgContext:
    """Everything a sweep needs about one organisation, loaded in bulk."""

    org: Organisation
    calendar: WorkCalendar
    roles: dict[str, Role] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    body_roles: dict[int, list[int]] = field(default_factory=dict)  # body id → member, chair and convener roles
    cadences: list[Cadence] = field(default_factory=list)
    plans: dict[int, dict[date, tuple[PlannedAction, ...]]] = field(default_factory=dict)
    bodies_with_routes: set[int] = field(default_factory=set)  # bodies with their own channel (e.g. Teams)
    foreign_roles: dict[int, Role] = field(default_factory=dict)  # a county network's members in other organisations
    foreign_orgs: dict[int, str] = field(default_factory=dict)  # such a role's id → its organisation's name
    parties: dict[int, tuple[str, str]] = field(default_factory=dict)  # a role's party id → (name, kind)
    greetings: dict[int, str] = field(default_factory=dict)  # role id → its opening line, built once
    whole_years: bool = False  # plan whole years, kept for later sweeps (a simulation), not each sweep's window
    _due_by_day: dict[int, dict[date, tuple[PlannedAction, ...]]] = field(default_factory=dict)  # year → day

    def plan(self, year: int) -> dict[date, tuple[PlannedAction, ...]]:
        """All cadence actions of the organisation whose occurrence lies in `year`, by the day they are due."""
        if year not in self.plans:
            self.plans[year] = _organisation_plan(self._cadences_json(), self.calendar, year, self._packet_days())
        return self.plans[year]

    def due_on(self, day: date) -> tuple[PlannedAction, ...]:
        """The cadence actions due on `day` from the year plans: an action due on `day` belongs to an occurrence
        that year, the next (calls before New Year), or the previous (an occurrence moved past New Year). Of the
        neighbouring years only the actions due in `day`'s year are planned (their windows, `_window_actions`),
        not their whole plans."""
        if day.year not in self._due_by_day:
            merged: dict[date, tuple[PlannedAction, ...]] = {}
            first, last = date(day.year, 1, 1), date(day.year, 12, 31)
            for year in (day.year, day.year + 1, day.year - 1):  # the order plan_years gives
                plan = self.plan(year) if year == day.year else self._due_in(year, first, last)
                for due, actions in plan.items():
                    if due.year == day.year and year in plan_years(due):
                        merged[due] = merged.get(due, ()) + actions
            self._due_by_day[day.year] = merged
        return self._due_by_day[day.year].get(day, ())

    def _due_in(self, year: int, first: date, last: date) -> dict[date, tuple[PlannedAction, ...]]:
        """The actions of `year`'s plan due in [first, last], by day, in the plan's order."""
        found: dict[date, list[PlannedAction]] = defaultdict(list)
        for action in _window_actions(self._cadences_json(), self.calendar, year, self._packet_days(), first, last):
            found[action.due].append(action)
        return {due: tuple(actions) for due, actions in found.items()}

    def window(self, first: date, last: date) -> list[PlannedAction]:
        """The cadence actions due in [first, last], computed for that window alone (see `_window_actions`):
        the same actions the year plans hold for those days, at a fraction of the cost for a sweep's few days."""
        found: list[PlannedAction] = []
        for year in range(first.year - 1, last.year + 2):
            found += _window_actions(self._cadences_json(), self.calendar, year, self._packet_days(), first, last)
        return found

    def plan_key(self) -> str:
        """What the organisation's cadence plan is made from, hashed (services/stored_plan.py)."""
        return plan_key(self._cadences_json(), self.org.settings.get("breaks", []), self._packet_days())

    def _packet_days(self) -> int:
        return int(settings_section(self.org.settings, "packets").get("working_days_before", 5))

    def _cadences_json(self) -> str:
        if not hasattr(self, "_cadences"):
            cadences = {c.key: {"trigger": c.trigger, "title": c.title, "rule": c.rule} for c in self.cadences}
            self._cadences = json.dumps(cadences, sort_keys=True)
        return self._cadences

    @cached_property
    def org_id(self) -> int:
        return saved_id(self.org)

    @cached_property
    def deadline_reach(self) -> tuple[int, int]:
        """How many days before a deadline its first reminder, and after it its escalation, can be due."""
        policy = settings_section(self.org.settings, "reminders")
        ahead = max(policy.get("before_days") or [7]) + CLOSED_STRETCH  # a reminder moves off a closed day
        return ahead, int(policy.get("escalate_after_days", 3))

    def roles_by_id(self) -> dict[int, Role]:
        if not hasattr(self, "_by_id"):
            self._by_id = {**self.foreign_roles, **{saved_id(role): role for role in self.roles.values()}}
        return self._by_id

    def cadence_targets(self) -> dict[str, list[str]]:
        """What each cadence addresses: its notify list, or else its body."""
        if not hasattr(self, "_targets"):
            body_keys = {body.id: key for key, body in self.bodies.items()}
            self._targets = {
                c.key: list(c.notify) or ([body_keys[c.body_id]] if c.body_id in body_keys else [])
                for c in self.cadences
            }
        return self._targets

    def roles_for(self, target: str) -> list[Role]:
        if target in self.roles:
            return [self.roles[target]]
        body = self.bodies.get(target)
        if body is None:
            return []
        by_id = self.roles_by_id()
        return [by_id[role_id] for role_id in self.body_roles.get(saved_id(body), []) if role_id in by_id]

    def greeting(self, role: Any) -> str:
        """The opening line for the holder of `role` (roles/address.py), from the parties loaded in bulk."""
        found = self.greetings.get(role.id)
        if found is None:
            name, kind = self.parties.get(role.party_id, (None, None)) if role.party_id else (None, None)
            found = self.greetings[role.id] = salutation(role.name, self.org.name, name, kind)
        return found

    def function_roles(self, function: str) -> list[Role]:
        """The organisation's roles with `function` (the same list each time: callers do not change it)."""
        return self._by_function.get(function, [])

    @cached_property
    def _by_function(self) -> dict[str, list[Role]]:
        by_function: dict[str, list[Role]] = defaultdict(list)
        for role in self.roles.values():
            by_function[role.function].append(role)
        return by_function

    def cadence_and_body(self, cadence_key: str) -> tuple[Cadence | None, Body | None]:
        """The cadence with `cadence_key`, and its body."""
        return self._cadence_bodies.get(cadence_key, (None, None))

    @cached_property
    def _cadence_bodies(self) -> dict[str, tuple[Cadence, Body | None]]:
        bodies = {body.id: body for body in reversed(list(self.bodies.values()))}  # the first of an id
        cadences = {cadence.key: cadence for cadence in reversed(self.cadences)}
        return {key: (cadence, bodies.get(cadence.body_id)) for key, cadence in cadences.items()}

    def chair_of_kind(self, kind: str | None) -> list[Role]:
        """The chair of the deciding body (by kind), else of the first steering body, for escalations."""
        by_id = self.roles_by_id()
        bodies = sorted(
            self.bodies.values(),
            key=lambda b: (b.kind != kind, b.kind not in ("styrgrupp", "lokala_bra", "ledningsgrupp"), b.key),
        )
        for body in bodies:
            if body.chair_role_id in by_id:
                return [by_id[body.chair_role_id]]
        return []


@dataclass
class SweepCache:
    """Organisation contexts and role holders kept between sweeps of a simulation, where nobody edits the
    organisation. Real sweeps load them fresh every time."""

    contexts: list[OrgContext] | None = None
    holders: Holders | None = None


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
    messages: list[dict[str, Any]] = field(default_factory=list)  # one per action sent, for the message preview

    def merge(self, other: SweepResult) -> None:
        self.triggers.update(other.triggers)
        self.actions.update(other.actions)
        self.notifications.update(other.notifications)
        self.documents += other.documents
        self.errors += other.errors
        self.already_done += other.already_done
        self.messages += other.messages
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
    """Who holds which role on which day, and the persons themselves, from two bulk queries."""

    def __init__(self, session: Session, role_ids: Iterable[int]) -> None:
        self.by_role: dict[int, list[Any]] = defaultdict(list)
        self.persons: dict[int, Any] = {}
        self._on: dict[int, tuple[date, date, list[int]]] = {}  # role → the days its last answer holds for
        self._read: set[int] = set()
        self.read(session, role_ids)

    def read(self, session: Session, role_ids: Iterable[int]) -> None:
        """The holders of these roles too (those not read yet), in bulk."""
        ids = sorted(set(role_ids) - self._read)
        self._read.update(ids)
        table = table_of(RoleAssignment)
        for start in range(0, len(ids), 900):
            for row in session.execute(
                select_columns(table).where(among(table.c.role_id, ids[start : start + 900]))
            ).all():
                self.by_role[row.role_id].append(row)
        person_ids = sorted({row.person_id for rows in self.by_role.values() for row in rows} - set(self.persons))
        people = table_of(Person)
        for start in range(0, len(person_ids), 900):
            for row in session.execute(
                select_columns(*[c for c in people.columns if c.name not in _BOOKKEEPING]).where(
                    among(people.c.id, person_ids[start : start + 900])
                )
            ).all():
                self.persons[row.id] = row

    def on(self, role: Any, day: date) -> list[int]:
        """Who holds `role` on `day`. Asked again for a day up to the next start or end of one of its assignments,
        it answers from the last time (a simulation asks for every role every day)."""
        known = self._on.get(role.id)
        if known is not None and known[0] <= day <= known[1]:
            return known[2]
        assignments = self.by_role.get(role.id, ())
        held = RoleAssignment.period_holds
        found = [a.person_id for a in assignments if held(a.starts_on, a.ends_on, day)]
        changes = [a.starts_on for a in assignments] + [a.ends_on + ONE_DAY for a in assignments if a.ends_on]
        since = max((change for change in changes if change <= day), default=date.min)
        following = min((change for change in changes if change > day), default=None)
        until = following - ONE_DAY if following is not None else date.max
        self._on[role.id] = (since, until, found)
        return found


def _rows(session: Session, model: type[Any], *conditions: Any) -> list[Any]:
    """Plain rows (attribute access, no ORM identity map): a sweep reads thousands of them, fetched at once, without
    the bookkeeping timestamps no sweep reads (archived_at is always empty here: archived rows are not read)."""
    table = table_of(model)
    columns = [column for column in table.columns if column.name not in _BOOKKEEPING]
    return list(session.execute(select_columns(*columns).where(*conditions)).all())


_BOOKKEEPING = frozenset({"created_at", "updated_at", "archived_at"})


def load_contexts(session: Session, org_keys: Iterable[str] | None = None, full: bool = True) -> list[OrgContext]:
    """The organisations' contexts. Not `full`: only their roles (all a phase's opening addresses)."""
    orgs = table_of(Organisation)
    conditions = [orgs.c.source_file.is_not(None)]
    if org_keys is not None:
        conditions.append(orgs.c.key.in_(list(org_keys)))
    contexts = {
        org.id: OrgContext(org, WorkCalendar.from_settings(org.settings.get("breaks", [])))
        for org in sorted(_rows(session, Organisation, *conditions), key=lambda o: o.key)
    }
    ids = list(contexts)
    roles, bodies_table, cadences = table_of(Role), table_of(Body), table_of(Cadence)
    for role in _rows(session, Role, among(roles.c.organisation_id, ids), roles.c.archived_at.is_(None)):
        contexts[role.organisation_id].roles[role.key] = role
    if not full:
        _parties(session, contexts)
        return list(contexts.values())
    bodies = _rows(session, Body, among(bodies_table.c.organisation_id, ids), bodies_table.c.archived_at.is_(None))
    for body in bodies:
        contexts[body.organisation_id].bodies[body.key] = body
    body_org = {body.id: body.organisation_id for body in bodies}
    memberships = table_of(BodyMembership)
    for membership in _rows(session, BodyMembership, among(memberships.c.body_id, body_org)):
        contexts[body_org[membership.body_id]].body_roles.setdefault(membership.body_id, []).append(membership.role_id)
    for body in bodies:
        extra = [r for r in (body.chair_role_id, body.convener_role_id) if r]
        listed = contexts[body.organisation_id].body_roles.setdefault(body.id, [])
        listed += [r for r in extra if r not in listed]
    routes = table_of(ContactRoute)
    for route in session.execute(
        select(routes.c.organisation_id, routes.c.body_id).where(
            among(routes.c.organisation_id, ids), routes.c.body_id.is_not(None)
        )
    ):
        contexts[route.organisation_id].bodies_with_routes.add(route.body_id)
    for cadence in sorted(
        _rows(session, Cadence, among(cadences.c.organisation_id, ids), cadences.c.archived_at.is_(None)),
        key=lambda c: c.key,
    ):
        contexts[cadence.organisation_id].cadences.append(cadence)
    _network_members(session, contexts, bodies)
    _parties(session, contexts)
    return list(contexts.values())


def _parties(session: Session, contexts: dict[int, OrgContext]) -> None:
    """The organisations roles are held for (the police, the länsstyrelse), for the messages' opening lines."""
    wanted = {
        role.party_id
        for context in contexts.values()
        for role in (*context.roles.values(), *context.foreign_roles.values())
        if role.party_id
    }
    orgs, found = table_of(Organisation), {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 900):
        for row in session.execute(
            select(orgs.c.id, orgs.c.name, orgs.c.kind).where(among(orgs.c.id, ids[start : start + 900]))
        ):
            found[row.id] = (row.name, row.kind)
    for context in contexts.values():
        context.parties = found


def _network_members(session: Session, contexts: dict[int, OrgContext], bodies: list[Any]) -> None:
    """A county network's members: the roles with its member functions in every kommun its county file lists
    (loaded by their own files, in this sweep or not)."""
    networks = [body for body in bodies if body.member_functions]
    if not networks:
        return
    orgs, roles = table_of(Organisation), table_of(Role)
    for body in networks:
        context = contexts[body.organisation_id]
        kommuner = settings_section(context.org.settings, "county").get("kommuner") or []
        kommun_rows = _rows(session, Organisation, orgs.c.key.in_(list(kommuner)))
        kommun_ids, names = [row.id for row in kommun_rows], {row.id: row.name for row in kommun_rows}
        found = _rows(
            session,
            Role,
            among(roles.c.organisation_id, kommun_ids),
            roles.c.function.in_(list(body.member_functions)),
            roles.c.archived_at.is_(None),
        )
        order = {org_id: index for index, org_id in enumerate(kommun_ids)}
        for role in sorted(found, key=lambda r: (order[r.organisation_id], r.key)):
            context.foreign_roles[role.id] = role
            context.foreign_orgs[role.id] = names[role.organisation_id]
            listed = context.body_roles.setdefault(body.id, [])
            if role.id not in listed:
                listed.append(role.id)


@lru_cache(maxsize=5_000)
def _organisation_plan(
    cadences_json: str, calendar: WorkCalendar, year: int, packet_days: int = 5
) -> dict[date, tuple[PlannedAction, ...]]:
    """Every action of an organisation's cadence occurrences in `year`, indexed by the day it is due."""
    cadences, rules, titles = _parsed(cadences_json)
    expansions = expand_organisation(rules, calendar, date(year, 1, 1), date(year, 12, 31), titles)
    plan: dict[date, list[PlannedAction]] = defaultdict(list)
    for key, expansion in expansions.items():
        spec = cadences[key]
        own = cadence_calendar(spec["rule"], calendar)
        for action in cadence_actions(
            key, spec["trigger"], spec["title"], rules[key], expansion.occurrences, own, packet_days
        ):
            plan[action.due].append(action)
    return {day: tuple(actions) for day, actions in plan.items()}


# The window of a sweep: which occurrences' actions can be due in [first, last]. Every action is due on its
# occurrence's day or before it, never after (scheduling/triggers.py: reports and a meeting's lägesbild on the day,
# an occurrence kept on a closed day calls the working day before, a call moved off the previous call's day never
# past its event), and at most ACTION_LEAD before it: the longest lead is 20 working days (a packet's
# packets.working_days_before, at most 20 by the schema; a trigger's own lead is at most 10), i.e. four weeks of
# weekends plus the most holidays any four weeks hold (julafton to trettondedag jul: six), 34 days; 45 leaves room.
# An occurrence's day lies at most MOVE_MARGIN (scheduling/arshjul.py) from its nominal date (the rule's), by a
# holiday, a break or an `after:` placement. Calls are spread so no two of a cadence's calls share a day
# (cadence_actions), which depends on the previous occurrences' calls: the occurrences held up to STACKING_CONTEXT
# before the window are planned too, so the first call in the window sees the ones before it.
# tests/test_sweep.py compares windows with the whole-year plans; it fails with ACTION_LEAD at 20 days.
ACTION_LEAD = timedelta(days=45)
STACKING_CONTEXT = ACTION_LEAD


@lru_cache(maxsize=5_000)
def _window_actions(
    cadences_json: str, calendar: WorkCalendar, year: int, packet_days: int, first: date, last: date
) -> tuple[PlannedAction, ...]:
    """The actions of `year`'s plan (_organisation_plan: occurrences whose nominal date lies in `year`) that are due
    in [first, last], without planning the whole year: only the nominal dates whose occurrences can have an
    action due in the window are expanded, and only the occurrences held near it get their actions built."""
    held_from, held_to = first - STACKING_CONTEXT, last + ACTION_LEAD  # the occurrences' days planned
    nominal_from = max(date(year, 1, 1), held_from - MOVE_MARGIN)
    nominal_to = min(date(year, 12, 31), held_to + MOVE_MARGIN)
    if nominal_to < nominal_from:
        return ()
    cadences, rules, titles = _parsed(cadences_json)
    found: list[PlannedAction] = []
    for key, expansion in expand_organisation(rules, calendar, nominal_from, nominal_to, titles).items():
        spec = cadences[key]
        occurrences = [o for o in expansion.occurrences if held_from <= o.day <= held_to]
        if occurrences:
            own = cadence_calendar(spec["rule"], calendar)
            found += cadence_actions(
                key, spec["trigger"], spec["title"], rules[key], occurrences, own, packet_days, (first, last)
            )
    return tuple(found)


@lru_cache(maxsize=5_000)
def _parsed(cadences_json: str) -> tuple[dict[str, Any], dict[str, KeyedRule], dict[str, str]]:
    """An organisation's cadences (key → trigger, title, rule), their rules (each with its key, made once) and
    titles."""
    cadences = json.loads(cadences_json)
    rules = {key: KeyedRule(spec["rule"]) for key, spec in cadences.items()}
    return cadences, rules, {key: spec["title"] for key, spec in cadences.items()}


# How far into a neighbouring year an action of a year's plan can be due: an occurrence moves at most MOVE_MARGIN
# (scheduling/arshjul.py); its actions are due on its day or up to 20 working days before it (a packet's
# packets.working_days_before is at most 20; the longest lead of a trigger is 10), never after it.
NEXT_YEAR_REACH = MOVE_MARGIN + timedelta(days=45)  # a call before New Year for an occurrence of the next year
PREVIOUS_YEAR_REACH = MOVE_MARGIN + timedelta(days=7)  # an occurrence of the previous year moved past New Year


def plan_years(day: date) -> tuple[int, ...]:
    """The years whose plans can hold an action due on `day`: its own, and a neighbour only near New Year (a
    fresh process computes every organisation's plan for each year it asks)."""
    years = [day.year]
    if day + NEXT_YEAR_REACH >= date(day.year + 1, 1, 1):
        years.append(day.year + 1)
    if day - PREVIOUS_YEAR_REACH <= date(day.year - 1, 12, 31):
        years.append(day.year - 1)
    return tuple(years)


def planned_actions(context: OrgContext, first: date, last: date) -> list[PlannedAction]:
    """Cadence actions of one organisation due in [first, last]: from its year plans where they are kept (a
    simulation's sweeps, OrgContext.whole_years), else from the window alone (a production sweep, fresh each day)."""
    if not context.whole_years:
        return context.window(first, last)
    actions: list[PlannedAction] = []
    for offset in range((last - first).days + 1):
        actions.extend(context.due_on(first + timedelta(days=offset)))
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


def open_deadlines(
    session: Session, organisation_ids: list[int], due: tuple[date, date] | None = None
) -> list[Deadline]:
    """Deadlines still owed a reminder or an escalation; with `due`, only those falling in that span."""
    items, measures = _deadline_statements(due is not None)
    parameters = {"ids": organisation_ids, "first": due[0] if due else None, "last": due[1] if due else None}
    connection = session.connection()  # statements built once (below): each day only their parameters change
    deadlines = [
        Deadline(org_id, f"{Related.ITEM}:{item_id}", "item_deadline", title, due_on, owner, deciding)
        for org_id, item_id, title, due_on, owner, deciding in connection.execute(items, parameters).all()
    ]
    for org_id, measure_id, title, due_on, owner in connection.execute(measures, parameters).all():
        deadlines.append(
            Deadline(org_id, f"{Related.MEASURE}:{measure_id}", "measure_deadline", title, due_on, owner, "styrgrupp")
        )
    return deadlines


@lru_cache(maxsize=2)
def _deadline_statements(windowed: bool) -> tuple[Select[Any], Select[Any]]:
    """open_deadlines' two queries, with the organisations (an expanding IN) and the span as bound parameters:
    built and compiled once per process, not again every day with the ids written into them."""
    ids = ids_parameter("ids")
    first: BindParameter[date] = bindparam("first")
    last: BindParameter[date] = bindparam("last")
    window = [col(ChecklistItem.due_on) >= first, col(ChecklistItem.due_on) <= last] if windowed else []
    measure_window = [col(Measure.due_on) >= first, col(Measure.due_on) <= last] if windowed else []
    items = (
        select_columns(
            col(Cycle.organisation_id),
            col(ChecklistItem.id),
            col(ChecklistItem.title),
            col(ChecklistItem.due_on),
            col(ChecklistItem.owner_role_key),
            col(Phase.deciding_body_key),
        )
        .join(Phase, col(Phase.cycle_id) == Cycle.id)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(col(Cycle.organisation_id).in_(ids), col(ChecklistItem.due_on).is_not(None), *window)
        .where(*item_owed())
    )
    measures = (
        select_columns(
            col(Cycle.organisation_id),
            col(Measure.id),
            col(Measure.title),
            col(Measure.due_on),
            col(Measure.owner_role_key),
        )
        .join(Measure, col(Measure.cycle_id) == Cycle.id)
        .where(col(Cycle.organisation_id).in_(ids), *measure_owed(), *measure_window)
    )
    return items, measures


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
    since = datetime.combine(first, time(), tzinfo=STOCKHOLM)
    rows = session.connection().execute(_phases_statement(), {"ids": organisation_ids, "since": since}).all()
    phases: dict[int, tuple[int, str, datetime, set[str]]] = {}
    for org_id, phase_id, name, opened_at, owner in rows:
        phases.setdefault(phase_id, (org_id, name, opened_at, set()))[3].add(owner)
    result = []
    for phase_id, (org_id, name, opened_at, owners) in sorted(phases.items()):
        opened = opened_at.astimezone(STOCKHOLM)
        result.append(
            OpenedPhase(org_id, phase_id, name, opened.date(), opened.strftime("%Y%m%dT%H%M%S"), tuple(sorted(owners)))
        )
    return result


@lru_cache(maxsize=1)
def _phases_statement() -> Select[Any]:
    """opened_phases' query, built and compiled once per process (organisations and moment bound)."""
    return (
        select_columns(
            col(Cycle.organisation_id),
            col(Phase.id),
            col(Phase.name),
            col(Phase.opened_at),
            col(ChecklistItem.owner_role_key),
        )
        .join(Phase, col(Phase.cycle_id) == Cycle.id)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(
            col(Cycle.organisation_id).in_(ids_parameter("ids")),
            col(Phase.opened_at) >= bindparam("since"),
            *phase_owed(),
        )
    )


def _fired(session: Session, organisation_ids: list[int], since: datetime) -> set[tuple[int, str, str]]:
    table = table_of(TriggerOccurrence)  # plain columns: no ORM entity to build a cache key for, every day
    rows = session.execute(
        select_columns(table.c.organisation_id, table.c.trigger_key, table.c.occurrence_key).where(
            among(table.c.organisation_id, organisation_ids), table.c.scheduled_for >= since
        )
    ).all()
    return {(org_id, trigger, occurrence) for org_id, trigger, occurrence in rows}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=STOCKHOLM)


class Work(NamedTuple):
    """A planned action, the roles it addresses, and the deadline it is about (reminders and escalations)."""

    action: PlannedAction
    roles: list[Role]
    deadline: date | None = None


def sweep(
    session: Session,
    now: datetime | None = None,
    *,
    org_keys: Iterable[str] | None = None,
    lookback_days: int = 7,
    documents_dir: Path | None = None,
    base_url: str | None = None,
    kinds: Iterable[str] | None = None,
    cache: SweepCache | None = None,
    pdf: bool = True,
) -> SweepResult:
    """Find everything due up to `now` and not yet done; write outbox rows and occurrence records.

    Runs inside the caller's transaction: commit makes all of it happen, an error or a kill makes none.
    """
    now = now or utcnow()
    wanted = set(kinds) if kinds is not None else None
    today = now.astimezone(STOCKHOLM).date()
    first = today - timedelta(days=lookback_days)
    result = SweepResult()

    def asked(kinds: Iterable[str]) -> bool:
        return wanted is None or not wanted.isdisjoint(kinds)

    contexts, holders = _contexts(session, org_keys, cache, full=asked(TRIGGER_ACTIONS) or asked(DEADLINE_KINDS))
    if not contexts:
        return result
    ids = [context.org_id for context in contexts]
    base = (base_url or get_settings().base_url).rstrip("/")
    fired = _fired(session, ids, _local_midnight(first - timedelta(days=1)))
    batch = _Batch(session, now, base, documents_dir, pdf, holders, result, fired)

    planned = _all_work(session, contexts, wanted, first, today, stored=cache is None)
    if cache is None:  # the holders of the roles this sweep addresses (every role's, where it writes invitations)
        holders.read(session, _addressed(planned, fired) if documents_dir is None else _every_role(contexts))
    for context, work in planned:
        for entry in work:
            batch.write(context, entry)
    if documents_dir is not None and (wanted is None or wanted & CALLING_KINDS):  # meetings changed since their call
        from samverkan.services.invitation_updates import update_invitations  # with documents only: imported then

        updated = update_invitations(session, contexts, now, documents_dir, base)
        if updated:
            result.notifications["inbjudan-uppdaterad"] += updated
    batch.insert()
    return result


def _all_work(
    session: Session, contexts: list[OrgContext], wanted: set[str] | None, first: date, today: date, stored: bool
) -> list[tuple[OrgContext, list[Work]]]:
    """Each organisation's work of the `wanted` kinds due in [first, today]: cadence actions (from the stored
    plans, or with `stored` False from the plans the contexts keep), deadline reminders and opened phases."""

    def asked(kinds: Iterable[str]) -> bool:
        return wanted is None or not wanted.isdisjoint(kinds)

    ids = [context.org_id for context in contexts]
    deadlines: dict[int, list[Deadline]] = defaultdict(list)
    reach = [context.deadline_reach for context in contexts]  # no deadline outside it can be due today
    span = (first - timedelta(days=max(b for _, b in reach)), today + timedelta(days=max(a for a, _ in reach)))
    for deadline in open_deadlines(session, ids, span) if asked(DEADLINE_KINDS) else ():
        deadlines[deadline.organisation_id].append(deadline)
    phases: dict[int, list[OpenedPhase]] = defaultdict(list)
    for opened in opened_phases(session, ids, first) if asked(["phase_opened"]) else ():
        phases[opened.organisation_id].append(opened)
    cadences = asked(TRIGGER_ACTIONS)  # a phase's opening sweeps no cadence: no plan is computed for it
    plans = _stored_plans(session, contexts, first, today) if cadences and stored else {}
    planned: list[tuple[OrgContext, list[Work]]] = []
    for context in contexts:
        work = _cadence_work(context, first, today, plans.get(context.org_id)) if cadences else []
        work += _deadline_work(context, deadlines.get(context.org_id, []), first, today)
        work += _phase_work(context, phases.get(context.org_id, []))
        planned.append((context, [entry for entry in work if wanted is None or entry.action.kind in wanted]))
    return planned


def _contexts(
    session: Session, org_keys: Iterable[str] | None, cache: SweepCache | None, full: bool = True
) -> tuple[list[OrgContext], Holders]:
    if cache is not None and cache.contexts is not None and cache.holders is not None:
        return cache.contexts, cache.holders
    full = full or cache is not None  # what a simulation keeps serves every later sweep
    contexts = load_contexts(session, org_keys, full)
    for context in contexts:
        context.whole_years = cache is not None  # a simulation's year: each year's plan once, for every day
    holders = Holders(session, _every_role(contexts) if cache is not None else [])  # else read for the work found
    if cache is not None:
        cache.contexts, cache.holders = contexts, holders
    return contexts, holders


def _every_role(contexts: list[OrgContext]) -> list[int]:
    return [saved_id(role) for context in contexts for role in context.roles_by_id().values()]


def _addressed(planned: list[tuple[OrgContext, list[Work]]], fired: set[tuple[int, str, str]]) -> set[int]:
    """The roles the work not done yet addresses."""
    return {
        saved_id(role)
        for context, work in planned
        for entry in work
        if (context.org_id, entry.action.trigger_key, entry.action.occurrence_key) not in fired
        for role in entry.roles
    }


def _stored_plans(
    session: Session, contexts: list[OrgContext], first: date, today: date
) -> dict[int, list[PlannedAction]]:
    """A production sweep's cadence actions, from the stored plans (services/stored_plan.py)."""
    by_id = {context.org_id: context for context in contexts}
    keys = {org_id: context.plan_key() for org_id, context in by_id.items()}
    return stored_windows(session, keys, first, today, lambda org_id, a, b: by_id[org_id].window(a, b))


def _cadence_work(
    context: OrgContext, first: date, today: date, actions: list[PlannedAction] | None = None
) -> list[Work]:
    """The cadence actions due in [first, today] (`actions`: already read from the stored plan) and their roles."""
    targets = context.cadence_targets()
    return [
        Work(
            action,
            context.function_roles(action.addressee)
            if action.addressee
            else [r for target in targets[action.trigger_key] for r in context.roles_for(target)],
        )
        for action in (planned_actions(context, first, today) if actions is None else actions)
    ]


def _deadline_work(context: OrgContext, deadlines: list[Deadline], first: date, today: date) -> list[Work]:
    """Reminders and escalations due in [first, today] for deadlines still owed them (open_deadlines)."""
    if not deadlines:
        return []
    work = []
    policy = json.dumps(settings_section(context.org.settings, "reminders"), sort_keys=True)
    ahead, behind = context.deadline_reach
    for deadline in deadlines:
        if not first - timedelta(days=behind) <= deadline.due_on <= today + timedelta(days=ahead):
            continue  # nothing of this deadline can be due today: skip building its actions
        actions = _deadline_actions(
            deadline.trigger_key, deadline.kind, deadline.title, deadline.due_on, policy, context.calendar
        )
        due = [action for action in actions if first <= action.due <= today]
        for action in owed_reminders(due) if len(due) > 1 else due:
            roles = context.function_roles(deadline.owner_function)
            if action.action.escalates_to_chair:
                roles = roles + context.chair_of_kind(deadline.deciding_kind)
            work.append(Work(action, roles, deadline.due_on))
    return work


@lru_cache(maxsize=50_000)
def _deadline_actions(
    trigger_key: str, kind: str, title: str, due_on: date, policy_json: str, calendar: WorkCalendar
) -> tuple[PlannedAction, ...]:
    """A deadline's actions, built once however many days a sweep (or a simulation) asks for them."""
    return tuple(deadline_actions(trigger_key, kind, title, due_on, json.loads(policy_json), calendar))


def _phase_work(context: OrgContext, phases: list[OpenedPhase]) -> list[Work]:
    if not phases:
        return []
    work = []
    for opened in phases:
        action = PlannedAction(
            f"{Related.PHASE}:{opened.phase_id}",
            f"{opened.opened_key}:{Action.FAS_OPPNAD.value}",
            "phase_opened",
            Action.FAS_OPPNAD,
            opened.opened_on,
            f"Ny fas: {opened.name} har öppnats",
        )
        roles = [r for function in opened.owner_functions for r in context.function_roles(function)]
        work.append(Work(action, roles))
    return work


def _not_before(action: PlannedAction, now: datetime) -> datetime:
    """Not before 08:00 on the day it is due; what goes out after its event (a joint lägesbild) not before the
    event has ended."""
    not_before = max(now, datetime.combine(action.due, DELIVER_FROM, tzinfo=STOCKHOLM))
    if action.action.after_event and action.occurrence is not None:
        not_before = max(not_before, action.occurrence.end)
    return not_before


@dataclass
class _Batch:
    """What one sweep writes: outbox rows and occurrence records, inserted in bulk at the end."""

    session: Session
    now: datetime
    base: str
    documents_dir: Path | None
    pdf: bool
    holders: Holders
    result: SweepResult
    fired: set[tuple[int, str, str]]
    occurrences: list[dict[str, Any]] = field(default_factory=list)
    outgoing: list[_Outgoing] = field(default_factory=list)  # each action's outbox rows
    invited: dict[tuple[int, str, str], dict[str, Any]] = field(default_factory=dict)  # what each invitation said
    rendered: DocumentBatch | None = None  # PDFs rendered together at insert(); made with the first document

    @property
    def documents(self) -> DocumentBatch:
        if self.rendered is None:
            from samverkan.services.documents import DocumentBatch  # imported only by a sweep that makes documents

            self.rendered = DocumentBatch()
        return self.rendered

    def write(self, context: OrgContext, work: Work) -> None:
        """One action, once: its outbox rows (each holder of its roles, and a body's own channel) and its record."""
        action, roles = work.action, work.roles
        identity = (context.org_id, action.trigger_key, action.occurrence_key)
        if identity in self.fired:
            self.result.already_done += 1
            return
        self.fired.add(identity)
        recipients = self._recipients(context, action, roles)
        attachment = None
        if action.attachment and self.documents_dir is not None:
            attachment = self.documents.add(self.session, context.org, action, self.documents_dir, self.pdf)
            self.result.documents.append(str(attachment))
        event = _meeting_event(context, action)
        invite = None
        if event is not None and self.documents_dir is not None:
            invite = self._invitation(context, event, action, recipients)
        text = render_message(
            action=action,
            org=context.org,
            base_url=self.base,
            attachment=attachment.name if attachment else None,
            event=event,
            invitation=invite is not None,
            Action=Action,
        )  # once per action
        attachments = [str(path) for path in (attachment, invite) if path is not None]
        not_before = _not_before(action, self.now)
        related_type, _, related_id = action.trigger_key.partition(":")
        outgoing = _Outgoing(
            {
                "organisation_id": context.org_id,
                "kind": action.code,
                "subject": action.subject,
                "attachments": attachments,
                "related_type": related_type if related_id else Related.CADENCE,
                "related_id": int(related_id) if related_id else None,
                "due_on": work.deadline or action.about,  # the deadline, or the day of the event it is about
                "not_before": not_before,
                "urgent": action.action.urgent,
            }
        )
        self.outgoing.append(outgoing)
        identity_key = f"{context.org.key}:{action.trigger_key}:{action.occurrence_key}"
        counted = self.result.notifications
        for person, role in recipients:
            outgoing.rows.append(
                (f"{identity_key}:{person.id}", f"{context.greeting(role)},\n\n{text}", person.id, role.key, None)
            )
            counted[role.key] += 1
        self._to_bodies(context, action, identity_key, text, outgoing)
        self._record(context, action, len(recipients))
        self.result.messages.append(_message(context, action, not_before, recipients, attachment))

    def _invitation(
        self, context: OrgContext, event: CalendarEvent, action: PlannedAction, recipients: list[tuple[Any, Any]]
    ) -> Path | None:
        """The call's calendar invitation, from the body's convener (else the coordinator) to everyone called."""
        assert self.documents_dir is not None
        body = context.bodies.get(event.body or "")
        by_id = context.roles_by_id()
        conveners = [by_id[body.convener_role_id]] if body is not None and body.convener_role_id in by_id else []
        organizers = _recipients(conveners or context.function_roles("samordnare"), self.holders, action.due)
        if not organizers or not recipients:
            return None
        organizer = party(organizers[0][0])
        text = invitation(event, organizer, [party(person) for person, _ in recipients], self.now)
        self.invited[(context.org_id, action.trigger_key, action.occurrence_key)] = snapshot(
            event,
            organizer,
            [(person.id, role.key) for person, role in recipients],
            context.org.config_hash,
            event.sequence,
        )
        return write_invitation(self.documents_dir, text, event)

    def _recipients(self, context: OrgContext, action: PlannedAction, roles: list[Role]) -> list[tuple[Any, Any]]:
        """Who gets it; a vacant role and an action that reaches no one are reported."""
        held = [(role, self.holders.on(role, action.due)) for role in roles]  # asked once per role
        recipients = _holders_of(held, self.holders)
        for role, persons in held:
            if not persons:
                where = context.foreign_orgs.get(saved_id(role), context.org.name)
                self.result.vacancies.setdefault((where, role.name), []).append(action.due)
        if not recipients:
            self.result.errors.append(
                f"{context.org.name}: '{action.subject}' ({action.due}) når ingen – "
                f"{', '.join(r.name for r in roles) or 'ingen mottagare angiven'} är vakant"
            )
        return recipients

    def _to_bodies(
        self, context: OrgContext, action: PlannedAction, identity_key: str, text: str, outgoing: _Outgoing
    ) -> None:
        """A body with a channel of its own (e.g. Teams) gets the action there too."""
        for target in context.cadence_targets().get(action.trigger_key, ()):
            body = context.bodies.get(target)
            if body is not None and body.id in context.bodies_with_routes:
                key, body_text = f"{identity_key}:organ:{body.id}", f"Till {body.name},\n\n{text}"
                outgoing.rows.append((key, body_text, None, None, body.id))
                self.result.notifications[f"organ:{target}"] += 1

    def _record(self, context: OrgContext, action: PlannedAction, recipients: int) -> None:
        self.occurrences.append(
            {
                "organisation_id": context.org_id,
                "trigger_key": action.trigger_key,
                "occurrence_key": action.occurrence_key,
                "scheduled_for": _local_midnight(action.due),
                "fired_at": self.now,
                "result": {
                    "kind": action.kind,
                    "action": action.code,
                    "recipients": recipients,
                    **self._invitation_record(context, action),
                },
            }
        )
        self.result.triggers[action.kind] += 1
        self.result.actions[action.code] += 1

    def _invitation_record(self, context: OrgContext, action: PlannedAction) -> dict[str, Any]:
        sent = self.invited.get((context.org_id, action.trigger_key, action.occurrence_key))
        return {"invitation": sent} if sent else {}

    def _render_documents(self) -> None:
        """The documents of this sweep, made together (services/documents.py). One that failed is reported; its
        messages carry the HTML version (the same content) instead, or go without it and say so."""
        if self.rendered is None:
            return  # no document in this sweep
        for failure in self.rendered.finish():
            self.result.errors.append(failure.message)
            failed, instead = str(failure.failed), str(failure.instead) if failure.instead else None
            self.result.documents = [d for d in (instead if d == failed else d for d in self.result.documents) if d]
            said = failure.instead.name if failure.instead else f"{failure.failed.name} (kunde inte skapas)"
            for outgoing in self.outgoing:
                attached = outgoing.shared["attachments"]
                if failed in attached:
                    outgoing.shared["attachments"] = [a for a in (instead if a == failed else a for a in attached) if a]
                    outgoing.rows = [
                        (key, text.replace(f"Bifogat: {failure.failed.name}", f"Bifogat: {said}"), person, role, body)
                        for key, text, person, role, body in outgoing.rows
                    ]

    def insert(self) -> None:
        """The occurrence records, then the outbox rows, each with one executemany (database/bulk.py): a value an
        action's rows share is converted for the database once per action, what every row shares once."""
        self._render_documents()
        connection = self.session.connection()
        if self.occurrences:
            records = bulk_insert(table_of(TriggerOccurrence), _OCCURRENCE_COLUMNS, connection.dialect)
            fired_at = records.convert("fired_at", self.now)
            rows = [
                (
                    record["organisation_id"],
                    record["trigger_key"],
                    record["occurrence_key"],
                    records.convert("scheduled_for", record["scheduled_for"]),
                    fired_at,
                    records.convert("result", record["result"]),
                )
                for record in self.occurrences
            ]
            records.execute(connection, rows)
        if self.outgoing:
            outbox = bulk_insert(table_of(Notification), _NOTIFICATION_COLUMNS, connection.dialect)
            alike = self._every_row()
            every_row = tuple(outbox.convert(column, alike[column]) for column in _EVERY_ROW_COLUMNS)
            notifications: list[tuple[Any, ...]] = []
            for outgoing in self.outgoing:
                shared = (*(outbox.convert(column, outgoing.shared[column]) for column in _ACTION_COLUMNS), *every_row)
                notifications += [(*row, *shared) for row in outgoing.rows]
            outbox.execute(connection, notifications)

    def _every_row(self) -> dict[str, Any]:
        """The outbox columns every row of this sweep has alike (_EVERY_ROW_COLUMNS)."""
        return {
            "status": NotificationStatus.PENDING,
            "attempts": 0,
            "delivered_routes": [],
            "created_at": self.now,
        }


@dataclass
class _Outgoing:
    """One action's outbox rows: what they share (the columns of _ACTION_COLUMNS), and each recipient's own
    (idempotency key, text, person, role key, body), one row each."""

    shared: dict[str, Any]
    rows: list[tuple[str, str, int | None, str | None, int | None]] = field(default_factory=list)


_RECIPIENT_COLUMNS = ("idempotency_key", "body_text", "person_id", "role_key", "body_id")
_ACTION_COLUMNS = (
    "organisation_id",
    "kind",
    "subject",
    "attachments",
    "related_type",
    "related_id",
    "due_on",
    "not_before",
    "urgent",
)
_EVERY_ROW_COLUMNS = ("status", "attempts", "delivered_routes", "created_at")
_NOTIFICATION_COLUMNS = _RECIPIENT_COLUMNS + _ACTION_COLUMNS + _EVERY_ROW_COLUMNS
_OCCURRENCE_COLUMNS = ("organisation_id", "trigger_key", "occurrence_key", "scheduled_for", "fired_at", "result")


def _message(
    context: OrgContext, action: PlannedAction, not_before: datetime, recipients: list[Any], attachment: Path | None
) -> dict[str, Any]:
    """What one action sends, for the message preview (`samverkan simulate --json`)."""
    occurrence = action.occurrence
    return {
        "organisation": context.org.key,
        "send_at": not_before.astimezone(STOCKHOLM),
        "kind": action.code,
        "trigger": action.trigger_key,
        "subject": action.subject,
        "occurrence": occurrence.key if occurrence else action.occurrence_key.rpartition(":")[0],
        "event_at": occurrence.start if occurrence else None,
        "about": action.about,
        "roles": sorted({role.key for _, role in recipients}),
        "persons": len(recipients),
        "document": attachment.name if attachment else action.attachment,
        "period": action.period,
    }


def _meeting_event(context: OrgContext, action: PlannedAction) -> CalendarEvent | None:
    """The meeting a call is about (None for anything but a kallelse of an occurrence)."""
    if action.action is not Action.KALLELSE or action.occurrence is None:
        return None
    cadence, body = context.cadence_and_body(action.trigger_key)
    if cadence is None:
        return None
    return meeting_event(context.org.key, cadence, body, action.occurrence)


def _recipients(roles: list[Any], holders: Holders, day: date) -> list[tuple[Any, Any]]:
    """Each person once, addressed through the first of their roles that the action names."""
    return _holders_of([(role, holders.on(role, day)) for role in roles], holders)


def _holders_of(held: list[tuple[Any, list[int]]], holders: Holders) -> list[tuple[Any, Any]]:
    """Each person of (role, its holders' ids) once, with the first of those roles."""
    seen: dict[int, tuple[Any, Any]] = {}
    for role, person_ids in held:
        for person_id in person_ids:
            if person_id not in seen:
                seen[person_id] = (holders.persons[person_id], role)
    return list(seen.values())


def coming_messages(session: Session, org_key: str, first: date, last: date) -> list[dict[str, Any]]:
    """The messages the årshjul's cadences will send in [first, last], as the sweep would write them but without
    writing anything: the web årshjul's preview. Deadline reminders depend on what people do, so they are not in it."""
    messages = []
    for context in load_contexts(session, [org_key]):
        works = _cadence_work(context, first, last)
        holders = Holders(session, list(context.roles_by_id()))
        for work in works:
            action = work.action
            recipients = _recipients(work.roles, holders, action.due)
            start_of_day = datetime.combine(action.due, time(0, 0), tzinfo=STOCKHOLM)
            messages.append(_message(context, action, _not_before(action, start_of_day), recipients, None))
    return sorted(messages, key=lambda message: (message["send_at"], message["subject"]))
