"""A cycle's life: start, complete checklist items with evidence, advance phases, go back (omtag).

The engine is driven by the process definition (data); it holds no phase names. Concurrency: every
completion locks its phase row first, and the item's version column makes a second completion of the
same item a clear conflict instead of a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache, partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Select, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from samverkan.core.ids import saved_id
from samverkan.core.labels import local_stamp
from samverkan.database import once_per_transaction
from samverkan.models import ChecklistItem, Cycle, Evidence, Organisation, Person, Phase
from samverkan.models.base import table_of
from samverkan.models.enums import CycleStatus, EvidenceKind, ItemStatus, PhaseStatus, Related
from samverkan.notifications.owed import item_reason, stop_all, stop_unowed
from samverkan.process.definition import PhaseDefinition, ProcessDefinition
from samverkan.process.requirements import REQUIREMENTS, CycleFacts
from samverkan.process.snapshot import label_of
from samverkan.services.access import (
    COORDINATING,
    Acting,
    Held,
    describe_functions,
    describe_holders,
    held_from,
    require_function,
    require_role,
    role_with_function,
    roles_with_function,
    steering_roles,
    with_roles_of,
)
from samverkan.services.actor import Actor
from samverkan.services.agreements import latest_agreement
from samverkan.services.audit import audit
from samverkan.services.cycle_owners import require_runs_cycle
from samverkan.services.cycle_prefetch import (
    ItemFacts,
    ItemRow,
    item_facts,
    latest_cycle,
    latest_cycle_digest,
    phases_of_cycle,
)
from samverkan.services.effective_dates import (
    DayBounds,
    last_effective_column,
    require_effective_day,
    started_bound,
    started_column,
    when_text,
)
from samverkan.services.errors import ConflictError, NotFoundError, RefusedError
from samverkan.services.evidence import EVIDENCE_SV, CheckedEvidence, EvidenceContext, check_evidence
from samverkan.services.exit_facts import cycle_facts
from samverkan.services.inputs import CompleteItem, ReopenPhase, SetDeadline, StartCycle
from samverkan.services.lifecycle import check, move
from samverkan.services.omtag import Reopened, reopen_dependants, reopen_target, summary
from samverkan.services.overview import find_organisation
from samverkan.services.pinning import (
    current_definition,
    definition_by_digest,
    definition_of,
    drift,
    phase_spec,
    pin,
    require_owner_functions,
    successor_definition,
)
from samverkan.services.privacy import no_personal_data
from samverkan.services.substance import active_cycle
from samverkan.services.sweep import sweep

SelectT = TypeVar("SelectT", bound=Select[Any])


@dataclass
class Transition:
    """What moved: the completed phase, the phase that opened, and a closed and a new cycle if any."""

    completed_phase: str | None = None
    opened_phase: str | None = None
    closed_cycle: int | None = None
    new_cycle: int | None = None
    reopened: list[str] = field(default_factory=list)  # omtag: each item opened again, and why
    reopened_summary: list[str] = field(default_factory=list)  # omtag: the same in one line, for a notice
    completed_item: str | None = None  # the title of the item completed

    def describe(self) -> list[str]:
        lines = []
        if self.completed_phase:
            lines.append(f"Fasen {self.completed_phase} är klar.")
        if self.closed_cycle:
            lines.append(f"Cykel {self.closed_cycle} är avslutad; cykel {self.new_cycle} har startat.")
        if self.opened_phase:
            lines.append(f"Nu pågår: {self.opened_phase}.")
        return lines + self.reopened


# -- starting ---------------------------------------------------------------------------------------


def start_cycle(session: Session, actor: Actor, given: StartCycle | None = None, *, notify: bool = True) -> Cycle:
    """Start the organisation's next cycle; its first phase opens. With `notify` (always, except for a caller that
    starts many cycles at one moment and then runs the phase_opened sweep once for all of them, as the simulation
    does) the phase's owners are told in the same transaction."""
    org_key, on, now = actor.org_key, actor.on, actor.now
    definition_key = (given or StartCycle()).definition_key
    organisation = find_organisation(session, org_key)
    require_runs_cycle(organisation)
    acting = require_function(session, organisation, actor, COORDINATING, "starta en cykel")
    current = session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    if current is not None:
        raise RefusedError(f"{organisation.name} har redan en pågående cykel (nr {current.number})")
    definition = current_definition(definition_key)
    require_owner_functions(session, organisation, definition)
    name = organisation.name  # read now: after a failed insert the session reads nothing more
    try:
        cycle = _create_cycle(session, organisation, definition, on, now)
    except IntegrityError:
        # A concurrent start committed its cycle after the check above: the index of one running cycle per
        # organisation (models/cycle.py), or the number both took, refuses this one. The transaction is spoilt
        # and is rolled back whole by the caller: nothing of this start is written.
        raise RefusedError(f"{name} har redan en pågående cykel (den startades samtidigt av någon annan)") from None
    audit(
        session,
        acting,
        organisation.id,
        "cycle.start",
        cycle,
        key=str(cycle.number),
        after={"definition": definition.key, "version": label_of(definition), "number": cycle.number},
    )
    if notify:
        _notify_opened(session, organisation, now)
    return cycle


def _create_cycle(
    session: Session, organisation: Organisation, definition: ProcessDefinition, on: date, now: datetime
) -> Cycle:
    number = (
        session.exec(select(func.max(Cycle.number)).where(Cycle.organisation_id == organisation.id)).one() or 0
    ) + 1
    agreement = latest_agreement(session, organisation)
    cycle = Cycle(
        organisation_id=saved_id(organisation),
        number=number,
        definition_key=definition.key,
        definition_version=definition.version,
        agreement_id=agreement.id if agreement else None,
        started_at=now,
        started_on=on,
    )
    pin(cycle, definition)
    session.add(cycle)
    session.flush()
    specs = list(definition.cycle_phases(number))
    assert specs, f"the definition {definition.key} gives cycle {number} no phases"
    phases, first_due = _phase_rows(saved_id(cycle), specs, on, now)
    phase_table = table_of(Phase)
    returned = session.connection().execute(
        insert(phase_table).returning(phase_table.c.id, phase_table.c.ordinal), phases
    )
    phase_ids = {ordinal: phase_id for phase_id, ordinal in returned}
    items = [
        {
            "phase_id": phase_ids[ordinal],
            "key": item.key,
            "title": item.title,
            "owner_role_key": item.owner,
            "evidence_kind": item.evidence,
            "requirement": item.requirement,
            "status": ItemStatus.OPEN,
            # The first phase opens now: its items get their deadlines as _open gives them; the rest get theirs
            # when their phase opens.
            "due_on": item.default_due_on(on, first_due) if ordinal == 1 else None,
            "completed_at": None,
            "completed_by_person_id": None,
            "version": 1,
        }
        for ordinal, spec in enumerate(specs, start=1)
        for item in spec.items
    ]
    session.connection().execute(insert(table_of(ChecklistItem)), items)  # new rows: one executemany, no ORM
    return cycle


def _phase_rows(
    cycle_id: int, specs: list[PhaseDefinition], on: date, now: datetime
) -> tuple[list[dict[str, Any]], date]:
    """A new cycle's phases as plain rows for one INSERT (no ORM object per phase), and the first one's deadline.
    The first is stored open, as _open_phase would leave it after the insert, so no UPDATE follows."""
    opening = specs[0]
    check(PhaseStatus.NOT_STARTED, PhaseStatus.ACTIVE, f"fasen {opening.name}")
    first_due = opening.default_due_on(on)
    opened: dict[str, Any] = {
        "status": PhaseStatus.ACTIVE,
        "opened_at": now,
        "due_on": first_due,
        "history": [_opened_entry(on, now)],
    }
    waiting: dict[str, Any] = {"status": PhaseStatus.NOT_STARTED, "opened_at": None, "due_on": None, "history": []}
    rows = [
        {
            "cycle_id": cycle_id,
            "key": spec.key,
            "name": spec.name,
            "ordinal": ordinal,
            "deciding_body_key": spec.decided_by,
            "completed_at": None,
            **(opened if ordinal == 1 else waiting),
        }
        for ordinal, spec in enumerate(specs, start=1)
    ]
    return rows, first_due


def _open_phase(
    session: Session, phase: Phase, definition: ProcessDefinition, on: date, now: datetime
) -> dict[str, date | None]:
    """Open the phase row; returns its items' deadlines by key, counted from `on`."""
    spec = phase_spec(definition, phase)
    move(phase, PhaseStatus.ACTIVE, f"fasen {phase.name}")
    phase.opened_at, phase.completed_at = now, None
    phase.due_on = phase.due_on or spec.default_due_on(on)
    phase.history = [*phase.history, _opened_entry(on, now)]
    session.add(phase)
    return {item.key: item.default_due_on(on, phase.due_on) for item in spec.items}


def _opened_entry(on: date, now: datetime) -> dict[str, Any]:
    """A phase's history entry for its opening."""
    return {"at": now.isoformat(), "on": on.isoformat(), "action": "öppnad"}


def _open(session: Session, phase: Phase, definition: ProcessDefinition, on: date, now: datetime) -> None:
    due = _open_phase(session, phase, definition, on, now)
    for item in session.exec(select(ChecklistItem).where(ChecklistItem.phase_id == phase.id)).all():
        if item.due_on is None:
            item.due_on = due.get(item.key, phase.due_on)
            session.add(item)


# -- completing -------------------------------------------------------------------------------------


def find_item(session: Session, cycle: Cycle, ref: str, lock: bool = False) -> tuple[Phase, ChecklistItem]:
    """An item by number, by key, or by 'phase/key'. With `lock`, its phase row is locked for the transaction
    (PostgreSQL; SQLite has one writer at a time) and both rows are read as they are now, in the same statement."""
    query = select(Phase, ChecklistItem).join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
    query = query.where(Phase.cycle_id == cycle.id)
    if lock:
        query = query.with_for_update(of=Phase).execution_options(populate_existing=True)
    kind, values = _reference(ref)
    rows = session.exec(_narrowed(query, kind), params=values).all()
    if len(rows) != 1:
        raise NotFoundError(_not_found(ref, cycle, rows))
    return rows[0]


def _reference(ref: str) -> tuple[str, dict[str, object]]:
    """How `ref` names an item (its number, 'phase/key', or its key) and the values the query binds for it."""
    if ref.isdigit():
        return "id", {"item_id": int(ref)}
    if "/" in ref:
        phase_key, item_key = ref.split("/", 1)
        return "phase/key", {"phase_key": phase_key, "item_key": item_key}
    return "key", {"item_key": ref}


def _narrowed(query: SelectT, kind: str) -> SelectT:
    """The query (of Phase and ChecklistItem) narrowed to the item a reference of this kind names (`_reference`)."""
    if kind == "id":
        return query.where(col(ChecklistItem.id) == sa.bindparam("item_id"))
    if kind == "phase/key":
        item_key = col(ChecklistItem.key) == sa.bindparam("item_key")
        return query.where(col(Phase.key) == sa.bindparam("phase_key"), item_key)
    return query.where(col(ChecklistItem.key) == sa.bindparam("item_key"))


def _not_found(ref: str, cycle: Cycle, rows: Sequence[object]) -> str:
    problem = "finns inte" if not rows else "är tvetydig (ange fas/punkt)"
    return f"punkten '{ref}' {problem} i cykel {cycle.number}"


@cache
def _locked_item_query(kind: str, with_definition: bool, with_roles: bool) -> Select[Any]:
    """`_locked_item`'s statement for a kind of reference, built once with its values bound at each call: building
    and keying a statement of this size costs more CPU than the database takes to answer it."""
    query = (
        sa.select(
            Cycle,
            Phase,
            ChecklistItem,
            started_column(),
            last_effective_column(ChecklistItem),
            last_effective_column(Phase),
        )
        .join(Phase, col(Phase.cycle_id) == Cycle.id)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(col(Cycle.organisation_id) == sa.bindparam("organisation_id"), col(Cycle.status) == CycleStatus.ACTIVE)
        .with_for_update(of=Phase)
        .execution_options(populate_existing=True)
    )
    if not with_definition:
        query = query.options(defer(Cycle.definition_snapshot))  # type: ignore[arg-type]
    if with_roles:
        query = with_roles_of(query, Cycle.organisation_id)
    return _narrowed(query, kind)


def _locked_item(
    session: Session, organisation: Organisation, ref: str, with_definition: bool, person: Person | None
) -> tuple[Cycle, Phase, ChecklistItem, DayBounds, Held | None]:
    """The running cycle and its item `ref` with the item's phase row locked for the transaction, as find_item
    reads them, and what bounds the act's effective day (services/effective_dates.py: the cycle's start, the last
    acts on the item and its phase), all in one statement; with the acting `person` known, their roles and
    assignments in the organisation too (services/access.py::with_roles_of). The cycle's pinned definition (large)
    is read with them only `with_definition`; otherwise when first asked. Without a running cycle or such an item,
    the same refusals as active_cycle and find_item."""
    kind, values = _reference(ref)
    query = _locked_item_query(kind, with_definition, person is not None)
    params = {"organisation_id": organisation.id, **values}
    if person is not None:
        params["person_id"] = person.id
    rows = session.execute(query, params).all()
    items = {row[2].id for row in rows}
    if len(items) != 1:
        cycle = rows[0][0] if rows else active_cycle(session, organisation)  # refuses when none is running
        raise NotFoundError(_not_found(ref, cycle, sorted(items)))
    cycle, phase, item, started, item_last, phase_last = rows[0][:6]
    lasts = ((ChecklistItem.__tablename__, item, item_last), (Phase.__tablename__, phase, phase_last))
    known = {(table, saved_id(row)): day for table, row, day in lasts if day is not None}
    held = held_from((row[6], row[7]) for row in rows) if person is not None else None
    return cycle, phase, item, DayBounds(started_bound(cycle, started), known), held


def completers(item: ChecklistItem) -> list[str]:
    """The functions that may complete the item: its owner role."""
    return [item.owner_role_key]


def may_complete(
    session: Session, organisation: Organisation, person: Person, phase: Phase, item: ChecklistItem, on: date
) -> bool:
    """Whether `complete_item` would let the person complete the item on `on` (the same rules, asked ahead):
    the item is open, its phase is running, and the person holds the item's owner role."""
    return (
        phase.status == PhaseStatus.ACTIVE
        and item.status == ItemStatus.OPEN
        and role_with_function(session, organisation, person, completers(item), on) is not None
    )


def complete_item(session: Session, actor: Actor, given: CompleteItem) -> Transition:
    """Mark an item done with its evidence; when the phase's criteria then hold, the cycle moves on."""
    org_key, on, now, item_ref = actor.org_key, actor.on, actor.now, given.item
    organisation = find_organisation(session, org_key)
    # one completion per phase at a time; a second completion of the same item, read before the first committed,
    # is caught by the guarded update in _record_completion. The pinned definition is needed ahead only to check
    # a cited decision's body.
    cited = given.evidence.decision_id is not None
    cycle, phase, item, bounds, held = _locked_item(session, organisation, item_ref, cited, actor.person)
    if phase.status != PhaseStatus.ACTIVE:
        current = _active_phase(session, cycle)
        raise RefusedError(
            f"'{item.title}' hör till fasen {phase.name}, som {_phase_state(phase)}; "
            f"nu pågår {current.name if current else 'ingen fas'}"
        )
    acting = require_function(
        session,
        organisation,
        actor,
        completers(item),
        f"markera '{item.title}' som klar",
        previous=[item, phase],
        bounds=bounds,
        held=held,
    )
    if item.status == ItemStatus.DONE:
        raise ConflictError(_already_done(session, item))
    context = EvidenceContext(organisation, cycle, phase, item, partial(definition_of, session, cycle), on)
    evidence = check_evidence(session, context, given.evidence)
    if item.requirement:
        missing = REQUIREMENTS[item.requirement](cycle_facts(session, organisation, cycle))
        if missing:
            raise RefusedError(f"'{item.title}' kan inte markeras som klar. Det saknas:", missing)
    still_open = _record_completion(session, organisation, cycle, phase, item, acting, evidence, now)
    if still_open or exit_missing(session, organisation, cycle, phase, on):
        return Transition(completed_item=item.title)
    moved = _advance(session, organisation, cycle, phase, acting.label, on, now)
    moved.completed_item = item.title
    return moved


def _record_completion(
    session: Session,
    organisation: Organisation,
    cycle: Cycle,
    phase: Phase,
    item: ChecklistItem,
    acting: Acting,
    evidence: CheckedEvidence,
    now: datetime,
) -> int:
    """The item becomes done (a guarded update: a concurrent completion collides), with its evidence, an audit
    entry, and its reminders taken off the outbox. Returns how many other items of the phase are still open,
    counted by the update itself (it runs once the phase is locked, so it sees every completion before it)."""
    check(item.status, ItemStatus.DONE, f"'{item.title}'")
    values = {"b_item": item.id, "b_version": item.version, "b_phase": phase.id}
    changed = session.execute(
        _completion(), {**values, "b_new_version": item.version + 1, "b_at": now, "b_person": acting.person.id}
    ).first()
    if changed is None:
        session.refresh(item)
        raise ConflictError(_already_done(session, item))
    # the row as the update wrote it, without reading it back
    for name, value in (("status", ItemStatus.DONE), ("version", item.version + 1), ("completed_at", now),
                        ("completed_by_person_id", acting.person.id)):  # fmt: skip
        set_committed_value(item, name, value)
    session.add(
        Evidence(
            checklist_item_id=saved_id(item),
            kind=evidence.kind,
            title=evidence.title.strip(),
            uri=evidence.uri,
            decision_id=evidence.decision_id,
            dated_on=evidence.dated_on,
            recorded_by_person_id=saved_id(acting.person),
            recorded_at=now,
        )
    )
    audit(
        session,
        acting,
        organisation.id,
        "item.complete",
        item,
        key=f"{phase.key}/{item.key}",
        before={"status": ItemStatus.OPEN},
        after={"status": ItemStatus.DONE, "evidence": evidence.title, "role": acting.role.key},
    )
    # done: by the rule in notifications/owed.py no reminder about the item is owed, whatever deadline it names
    reason = item_reason(item, phase, cycle, None)
    assert reason is not None, "a done item is owed no reminder"
    stop_all(session, Related.ITEM, saved_id(item), reason)
    return int(changed[0])


@cache
def _completion() -> sa.Update:
    """The guarded update that makes an open item done, if it is still the version read; it answers how many other
    items of its phase are still open. Built once (see `_locked_item_query`); its values are bound at each call."""
    items = table_of(ChecklistItem)
    others = items.alias("others")
    open_others = (
        sa.select(func.count())
        .select_from(others)
        .where(
            others.c.phase_id == sa.bindparam("b_phase"),
            others.c.status == ItemStatus.OPEN,
            others.c.id != sa.bindparam("b_item"),
        )
        .scalar_subquery()
    )
    return (
        sa.update(items)
        .where(
            items.c.id == sa.bindparam("b_item"),
            items.c.version == sa.bindparam("b_version"),
            items.c.status == ItemStatus.OPEN,
        )
        .values(
            status=ItemStatus.DONE,
            version=sa.bindparam("b_new_version"),
            completed_at=sa.bindparam("b_at"),
            completed_by_person_id=sa.bindparam("b_person"),
        )
        .returning(open_others)
    )


def _already_done(session: Session, item: ChecklistItem) -> str:
    who = session.get(Person, item.completed_by_person_id) if item.completed_by_person_id else None
    when = when_text(session, item, "item.complete", item.completed_at) if item.completed_at else "tidigare"
    return f"'{item.title}' är redan markerad som klar ({who.name if who else 'okänd'}, {when})"


def _phase_state(phase: Phase) -> str:
    return {PhaseStatus.COMPLETED: "redan är klar", PhaseStatus.NOT_STARTED: "inte har öppnats än"}.get(
        PhaseStatus(phase.status), "pågår"
    )


def _active_phase(session: Session, cycle: Cycle) -> Phase | None:
    return session.exec(select(Phase).where(Phase.cycle_id == cycle.id, Phase.status == PhaseStatus.ACTIVE)).first()


def read_owner_texts(session: Session, organisation: Organisation, functions: Iterable[str], on: date) -> None:
    """Who holds each function's roles, read for all of them in one statement and kept for `owner_text`'s later
    questions in this transaction (a page of items owned by several functions)."""
    for function, text in describe_functions(session, organisation, functions, on).items():
        once_per_transaction(session, ("owner_text", organisation.id, function, on), partial(str, text))


def owner_text(session: Session, organisation: Organisation, function: str, on: date) -> str:
    """Who holds the roles with `function` on `on`, in words (asked once per transaction: a page asks per item)."""
    return once_per_transaction(
        session,
        ("owner_text", organisation.id, function, on),
        lambda: describe_holders(session, roles_with_function(session, organisation, function), on),
    )


def exit_missing(
    session: Session,
    organisation: Organisation,
    cycle: Cycle,
    phase: Phase,
    on: date,
    with_keys: bool = True,
    items: Sequence[ChecklistItem | ItemRow] | None = None,
) -> list[str]:
    """Exactly what keeps the phase from being complete: open items, and requirements that no longer hold. With
    `with_keys`, each item's key as the command line takes it; a page shows the titles alone. `items`: the
    phase's items in order, when the caller has read them."""
    missing: list[str] = []
    facts: CycleFacts | None = None
    if items is None:
        query = select(ChecklistItem).where(ChecklistItem.phase_id == phase.id).order_by(col(ChecklistItem.id))
        items = list(session.exec(query).all())
    owners: dict[str, str] = {}  # one lookup per owning function, not per item
    for item in items:
        if item.status != ItemStatus.DONE:
            if item.owner_role_key not in owners:
                owners[item.owner_role_key] = owner_text(session, organisation, item.owner_role_key, on)
            missing.append(
                f"{item.title}{f' [{item.key}]' if with_keys else ''} – ansvarig: {owners[item.owner_role_key]}; "
                f"bevis: {EVIDENCE_SV[EvidenceKind(item.evidence_kind)]}"
            )
        elif item.requirement:
            facts = facts or cycle_facts(session, organisation, cycle)
            missing += REQUIREMENTS[item.requirement](facts)
    return missing


def complete_phase(session: Session, actor: Actor) -> Transition:
    """Close the current phase if its exit criteria hold; otherwise the refusal lists what is missing."""
    org_key, on, now = actor.org_key, actor.on, actor.now
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "avsluta en fas")
    cycle = active_cycle(session, organisation)
    phase = _active_phase(session, cycle)
    assert phase is not None, "an active cycle always has an active phase"
    phase = session.exec(select(Phase).where(Phase.id == phase.id).with_for_update()).one()
    require_effective_day(session, organisation, actor, previous=[phase])
    missing = exit_missing(session, organisation, cycle, phase, on)
    if missing:
        raise RefusedError(f"Fasen {phase.name} kan inte avslutas. Det saknas:", missing)
    return _advance(session, organisation, cycle, phase, acting.label, on, now)


def _advance(
    session: Session, organisation: Organisation, cycle: Cycle, phase: Phase, actor: str, on: date, now: datetime
) -> Transition:
    definition = definition_of(session, cycle)
    move(phase, PhaseStatus.COMPLETED, f"fasen {phase.name}")
    phase.completed_at = now
    phase.history = [*phase.history, {"at": now.isoformat(), "on": on.isoformat(), "action": "klar", "by": actor}]
    session.add(phase)
    audit(
        session,
        actor,
        organisation.id,
        "phase.complete",
        phase,
        key=phase.key,
        before={"status": PhaseStatus.ACTIVE},
        after={"status": PhaseStatus.COMPLETED},
        on=on,
    )
    stop_unowed(session, Related.PHASE, saved_id(phase))
    following = session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id, Phase.ordinal == phase.ordinal + 1)
    ).first()
    if following is None:
        return _close_and_succeed(session, organisation, cycle, phase, successor_definition(cycle), actor, on, now)
    _open(session, following, definition, on, now)
    audit(
        session,
        actor,
        organisation.id,
        "phase.open",
        following,
        key=following.key,
        after={"status": PhaseStatus.ACTIVE, "due_on": following.due_on},
        on=on,
    )
    _notify_opened(session, organisation, now)
    return Transition(completed_phase=phase.name, opened_phase=following.name)


def _close_and_succeed(
    session: Session,
    organisation: Organisation,
    cycle: Cycle,
    last: Phase,
    definition: ProcessDefinition,
    actor: str,
    on: date,
    now: datetime,
) -> Transition:
    """The last phase is complete: the cycle closes and the next one starts, on `definition` (the file as it is
    now, so a changed definition applies from here)."""
    move(cycle, CycleStatus.CLOSED, f"cykel {cycle.number}")
    cycle.closed_at, cycle.version = now, cycle.version + 1
    session.add(cycle)
    audit(
        session,
        actor,
        organisation.id,
        "cycle.close",
        cycle,
        key=str(cycle.number),
        before={"status": CycleStatus.ACTIVE},
        after={"status": CycleStatus.CLOSED},
        on=on,
    )
    successor = _create_cycle(session, organisation, definition, on, now)
    opened = _active_phase(session, successor)
    audit(
        session,
        actor,
        organisation.id,
        "cycle.start",
        successor,
        key=str(successor.number),
        after={
            "definition": definition.key,
            "version": label_of(definition),
            "number": successor.number,
            "after_cycle": cycle.number,
        },
        on=on,
    )
    _notify_opened(session, organisation, now)
    return Transition(
        completed_phase=last.name,
        opened_phase=opened.name if opened else None,
        closed_cycle=cycle.number,
        new_cycle=successor.number,
    )


def _notify_opened(session: Session, organisation: Organisation, now: datetime) -> None:
    """The new phase's owners hear of it in the same transaction that opened it (outbox, not at next sweep)."""

    session.flush()
    sweep(session, now, org_keys=[organisation.key], lookback_days=0, kinds={"phase_opened"})


# -- going back and deadlines -----------------------------------------------------------------------


def reopen_phase(session: Session, actor: Actor, given: ReopenPhase) -> Transition:
    """Omtag: go back to an earlier phase of the cycle. Its items open again with new deadlines, and so does every
    later item whose fact depends on what may change there (services/omtag.py); the history is kept."""
    org_key, on, now = actor.org_key, actor.on, actor.now
    phase_key, reason = given.phase_key, given.reason.strip()
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "göra omtag")
    if not reason:
        raise RefusedError("ett omtag behöver ett skäl (det sparas i historiken)")
    no_personal_data(skal=reason)
    cycle = active_cycle(session, organisation)
    current = _active_phase(session, cycle)
    target = session.exec(select(Phase).where(Phase.cycle_id == cycle.id, Phase.key == phase_key)).first()
    if target is None:
        keys = ", ".join(session.exec(select(Phase.key).where(Phase.cycle_id == cycle.id).order_by(col(Phase.ordinal))))
        raise NotFoundError(f"fasen '{phase_key}' finns inte i cykel {cycle.number} (faser: {keys})")
    if current is None or target.ordinal >= current.ordinal:
        raise RefusedError(
            f"omtag går bara till en tidigare fas; {target.name} är inte före {current.name if current else '-'}"
        )
    require_effective_day(session, organisation, actor, previous=[current, target])
    entry = {
        "at": now.isoformat(),
        "on": on.isoformat(),
        "action": "omtag",
        "by": acting.label,
        "reason": reason,
        "from": current.key,
    }
    reopened = _go_back(session, cycle, target, current, entry, on, now)
    for done in reopened:
        audit(
            session, acting, organisation.id, "item.reopen", session.get(ChecklistItem, done.item_id),
            key=done.key, before={"status": ItemStatus.DONE}, after={"status": ItemStatus.OPEN, "why": done.why},
        )  # fmt: skip
    audit(
        session,
        acting,
        organisation.id,
        "phase.reopen",
        target,
        key=target.key,
        before={"active": current.key},
        after={"active": target.key, "reason": reason, "reopened": [done.as_dict() for done in reopened]},
    )
    _notify_opened(session, organisation, now)
    return Transition(
        opened_phase=target.name,
        reopened=[done.describe() for done in reopened],
        reopened_summary=[summary(target.name, reopened)],
    )


def _go_back(
    session: Session, cycle: Cycle, target: Phase, current: Phase, entry: dict[str, Any], on: date, now: datetime
) -> list[Reopened]:
    """Omtag: the phases after `target` up to `current` are reset (new deadlines when they open again), `target` is
    current again with its items open and new deadlines, and the later items that depend on it open too.
    Reminders about what was reset or re-dated are no longer owed and leave the outbox."""
    reset = session.exec(
        select(Phase).where(
            Phase.cycle_id == cycle.id, Phase.ordinal > target.ordinal, Phase.ordinal <= current.ordinal
        )
    ).all()
    for phase in reset:
        move(phase, PhaseStatus.NOT_STARTED, f"fasen {phase.name}")
        phase.history = [*phase.history, {**entry, "action": "återställd vid omtag"}]
        phase.due_on = None
        session.add(phase)
    target.history = [*target.history, entry]
    move(target, PhaseStatus.ACTIVE, f"fasen {target.name}")
    target.completed_at, target.opened_at = None, now
    session.add(target)
    reopened = reopen_target(session, definition_of(session, cycle), target, on, entry["reason"])
    reopened += reopen_dependants(session, cycle, target, entry)
    session.flush()
    for phase in [target, *reset]:
        stop_unowed(session, Related.PHASE, saved_id(phase))
        for item in session.exec(select(ChecklistItem).where(ChecklistItem.phase_id == phase.id)).all():
            stop_unowed(session, Related.ITEM, saved_id(item))
    return reopened


def set_deadline(session: Session, actor: Actor, given: SetDeadline) -> ChecklistItem:
    """The steering group sets an item's deadline."""
    org_key, item_ref, due_on = actor.org_key, given.item, given.due_on
    organisation = find_organisation(session, org_key)
    _, item = find_item(session, active_cycle(session, organisation), item_ref)
    acting = require_role(
        session,
        organisation,
        actor,
        steering_roles(session, organisation),
        "sätta tidsfrister (det gör styrgruppen)",
        previous=[item],
    )
    before = {"due_on": item.due_on}
    item.due_on = due_on
    session.add(item)
    session.flush()
    stop_unowed(session, Related.ITEM, saved_id(item))  # reminders for the old deadline; the new one gets its own
    audit(
        session,
        acting,
        organisation.id,
        "item.deadline",
        item,
        key=item.key,
        before=before,
        after={"due_on": due_on},
    )
    return item


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class EvidenceLink:
    """One piece of an item's evidence as a page shows it: its title and, when it can be opened (an uploaded file
    or a web address), where."""

    title: str
    href: str | None
    where: str | None


def evidence_link(title: str, uri: str | None) -> EvidenceLink:
    opens = uri is not None and uri.startswith(("/org/", "https://", "http://"))
    return EvidenceLink(title, uri if opens else None, None if opens else uri)


@dataclass
class ItemView:
    id: int
    key: str
    title: str
    owner: str
    owners: str
    evidence_kind: str
    status: str
    due_on: str | None
    overdue: bool
    completed_by: str | None
    evidence: list[str] = field(default_factory=list)
    evidence_links: list[EvidenceLink] = field(default_factory=list)
    completed_at: str | None = None


@dataclass
class PhaseView:
    key: str
    name: str
    status: str
    due_on: str | None
    items: list[ItemView]
    history: list[dict[str, Any]]


@dataclass
class CycleView:
    organisation: str
    number: int
    definition: str
    status: str
    current_phase: str | None
    missing: list[str]
    phases: list[PhaseView]
    definition_version: str = ""
    # set when the definition file has moved on from the version the cycle follows (see services.pinning)
    definition_notice: str | None = None
    definition_changes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _item_views(facts: ItemFacts, phase: Phase, on: date) -> list[ItemView]:
    """The phase's items as the cycle page shows them; each deadline's text and each evidence kind's name made
    once, not per item (a phase may have hundreds)."""
    active = phase.status == PhaseStatus.ACTIVE
    days: dict[date, str] = {}
    views = []
    for item in facts.items.get(saved_id(phase), []):
        completed_by, due_on = item.completed_by_person_id, item.due_on
        evidence = facts.evidence.get(item.id, [])
        if due_on is not None and due_on not in days:
            days[due_on] = due_on.isoformat()
        views.append(
            ItemView(
                item.id,
                item.key,
                item.title,
                item.owner_role_key,
                facts.owner(item.owner_role_key),
                EVIDENCE_SV[item.evidence_kind],  # type: ignore[index]  # a StrEnum's key is found by its text
                item.status,
                days[due_on] if due_on is not None else None,
                active and item.status == ItemStatus.OPEN and due_on is not None and due_on < on,
                facts.names.get(completed_by) if completed_by else None,
                [title for title, _ in evidence],
                [evidence_link(title, uri) for title, uri in evidence],
                local_stamp(item.completed_at) if item.completed_at else None,
            )
        )
    return views


def _latest_with_definition(session: Session, organisation: Organisation) -> tuple[Cycle, ProcessDefinition]:
    """The organisation's latest cycle and the definition it follows; on PostgreSQL its pinned copy is read only
    the first time (by its digest), on SQLite reading it costs little."""
    params = {"organisation_id": organisation.id}
    digest: bytes | None = None
    if session.get_bind().dialect.name == "postgresql":
        row = session.exec(latest_cycle_digest(), params=params).first()
        cycle, digest = (row[0], row[1]) if row else (None, None)
    else:
        cycle = session.exec(latest_cycle(), params=params).first()
    if cycle is None:
        raise NotFoundError(f"{organisation.name} har ingen cykel än; starta en med 'samverkan cycle start'")
    return cycle, definition_by_digest(session, cycle, digest) if digest is not None else definition_of(session, cycle)


def cycle_status(session: Session, org_key: str, on: date) -> CycleView:
    organisation = find_organisation(session, org_key)
    cycle, definition = _latest_with_definition(session, organisation)
    moved_on = drift(cycle, definition) if cycle.status == CycleStatus.ACTIVE else None
    phases = []
    all_phases = list(session.exec(phases_of_cycle(), params={"cycle_id": cycle.id}))
    current = next((phase for phase in all_phases if phase.status == PhaseStatus.ACTIVE), None)
    facts = item_facts(session, all_phases, lambda function: owner_text(session, organisation, function, on))
    read_owner_texts(session, organisation, {i.owner_role_key for items in facts.items.values() for i in items}, on)
    for phase in all_phases:
        items = _item_views(facts, phase, on)
        phases.append(
            PhaseView(
                phase.key,
                phase.name,
                phase.status,
                phase.due_on.isoformat() if phase.due_on else None,
                items,
                phase.history,
            )
        )
    missing = (
        exit_missing(session, organisation, cycle, current, on, False, facts.items.get(saved_id(current), []))
        if current
        else []
    )
    return CycleView(
        organisation.name,
        cycle.number,
        definition.name,
        cycle.status,
        current.name if current else None,
        missing,
        phases,
        label_of(definition),
        moved_on.notice if moved_on else None,
        moved_on.changes if moved_on else [],
    )
