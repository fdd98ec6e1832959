"""Moving a running cycle onto the current definition file: explicit, audited, all or nothing.

Phases and items are matched by key. Completed items keep their status and evidence; items the new version
adds get deadlines (in the running phase counted from the day of the upgrade); open items and not started
phases the new version drops are removed. It refuses, changing nothing, when the running phase, a completed
phase or a completed item (or one with evidence from before an omtag) would disappear, or when the new order
would put an unfinished phase before the running one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from samverkan.core.ids import saved_id
from samverkan.models import ChecklistItem, Cycle, Decision, Evidence, Phase
from samverkan.models.enums import ItemStatus, PhaseStatus, Related
from samverkan.notifications.owed import stop_unowed
from samverkan.process.changes import compare
from samverkan.process.definition import PhaseDefinition, ProcessDefinition
from samverkan.process.snapshot import content_version, label_of
from samverkan.services.access import COORDINATING, Acting, require_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import RefusedError
from samverkan.services.overview import find_organisation
from samverkan.services.pinning import current_definition, definition_of, pin, require_owner_functions
from samverkan.services.substance import active_cycle


@dataclass
class CyclePhase:
    """A phase of the running cycle as it stands: its items by key, and what must not be lost."""

    phase: Phase
    items: dict[str, ChecklistItem]
    with_evidence: set[str]  # item keys with recorded evidence (also items reopened by an omtag)
    decisions: int  # decisions that refer to the phase

    @property
    def status(self) -> PhaseStatus:
        return PhaseStatus(self.phase.status)


@dataclass
class UpgradeResult:
    cycle: int
    before: str
    after: str
    changes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        head = f"Cykel {self.cycle} följer nu processbeskrivningen {self.after}; tidigare {self.before}."
        return [head, *(f"  - {line}" for line in self.changes)]


def cycle_phases(session: Session, cycle: Cycle) -> list[CyclePhase]:
    """The cycle's phases in order, locked against concurrent completions until the transaction ends."""
    phases = session.exec(
        select(Phase).where(Phase.cycle_id == cycle.id).order_by(col(Phase.ordinal)).with_for_update()
    ).all()
    result = []
    for phase in phases:
        items = session.exec(select(ChecklistItem).where(ChecklistItem.phase_id == phase.id)).all()
        with_evidence = session.exec(
            select(ChecklistItem.key)
            .join(Evidence, col(Evidence.checklist_item_id) == ChecklistItem.id)
            .where(ChecklistItem.phase_id == phase.id)
        ).all()
        decisions = session.exec(select(func.count()).select_from(Decision).where(Decision.phase_id == phase.id)).one()
        result.append(CyclePhase(phase, {i.key: i for i in items}, set(with_evidence), decisions))
    return result


def _losses(row: CyclePhase, keys: list[str]) -> list[str]:
    """Why items `keys` of the phase may not be removed: completed, or evidence recorded on them."""
    lines = []
    for key in keys:
        item = row.items[key]
        where = f"'{item.title}' [{row.phase.key}/{key}]"
        if item.status == ItemStatus.DONE:
            lines.append(f"den klara punkten {where} finns inte i den nya versionen")
        elif key in row.with_evidence:
            lines.append(f"punkten {where} har sparade bevis men finns inte i den nya versionen")
    return lines


def _renamed_to(row: CyclePhase, target: list[PhaseDefinition], existing: dict[str, CyclePhase]) -> str:
    new_key = next((p.key for p in target if p.name == row.phase.name and p.key not in existing), None)
    return f" (i den nya versionen har den nyckeln '{new_key}', och en ny nyckel är en ny fas)" if new_key else ""


def refusals(rows: list[CyclePhase], target: list[PhaseDefinition]) -> list[str]:
    """Everything that keeps the cycle from moving onto `target` (its phases for this cycle); empty if none."""
    existing, wanted = {r.phase.key: r for r in rows}, {p.key: p for p in target}
    active = next((r for r in rows if r.status == PhaseStatus.ACTIVE), None)
    lines: list[str] = []
    for row in rows:
        name = f"{row.phase.name} [{row.phase.key}]"
        spec = wanted.get(row.phase.key)
        if spec is not None:
            lines += _losses(row, [k for k in row.items if k not in {i.key for i in spec.items}])
            continue
        if row is active:
            lines.append(
                f"den pågående fasen {name} finns inte i den nya versionen{_renamed_to(row, target, existing)}"
            )
        elif row.status == PhaseStatus.COMPLETED:
            lines.append(
                f"den avslutade fasen {name} finns inte i den nya versionen{_renamed_to(row, target, existing)}"
            )
        if row.decisions:
            lines.append(f"fasen {name} har beslut kopplade till sig men finns inte i den nya versionen")
        lines += _losses(row, list(row.items))
    if active is None:
        return [*lines, "cykeln har ingen pågående fas"]
    if active.phase.key in wanted:
        lines += _order(existing, target, active)
    return lines


def _order(existing: dict[str, CyclePhase], target: list[PhaseDefinition], active: CyclePhase) -> list[str]:
    """The new order must keep finished phases before the running one and unstarted ones after it."""
    at = [p.key for p in target].index(active.phase.key)
    running = active.phase.name
    lines = []
    for spec in target[:at]:
        row = existing.get(spec.key)
        if row is None:
            lines.append(f"den nya fasen {spec.name} [{spec.key}] skulle komma före den pågående fasen {running}")
        elif row.status != PhaseStatus.COMPLETED:
            lines.append(f"fasen {spec.name} [{spec.key}] skulle komma före {running} utan att vara klar")
    for spec in target[at + 1 :]:
        row = existing.get(spec.key)
        if row is not None and row.status == PhaseStatus.COMPLETED:
            lines.append(f"den avslutade fasen {spec.name} [{spec.key}] skulle komma efter den pågående {running}")
    return lines


def _remove(session: Session, rows: list[CyclePhase], target: list[PhaseDefinition]) -> None:
    """Delete the open items and unstarted phases the new version no longer has (refusals ruled out losses)."""
    wanted = {p.key: {i.key for i in p.items} for p in target}
    for row in rows:
        keep = wanted.get(row.phase.key, set())
        for key in [k for k in row.items if k not in keep]:
            item = row.items.pop(key)
            item_id = saved_id(item)
            session.delete(item)
            session.flush()
            stop_unowed(session, Related.ITEM, item_id)  # 'punkten finns inte längre'
        if row.phase.key not in wanted:
            session.flush()
            session.delete(row.phase)
    session.flush()


def _apply(
    session: Session, cycle: Cycle, rows: list[CyclePhase], target: list[PhaseDefinition], on: date
) -> list[str]:
    """Bring the cycle's phases and items in line with `target`; returns the new items it could not add."""
    assert cycle.id is not None
    _remove(session, rows, target)
    existing = {r.phase.key: r for r in rows}
    skipped = []
    for ordinal, spec in enumerate(target, start=1):
        row = existing.get(spec.key)
        phase = row.phase if row else Phase(cycle_id=cycle.id, key=spec.key, name=spec.name, ordinal=ordinal)
        phase.ordinal, phase.name, phase.deciding_body_key = ordinal, spec.name, spec.decided_by
        session.add(phase)
        session.flush()
        assert phase.id is not None
        items = row.items if row else {}
        for item_spec in spec.items:
            item = items.get(item_spec.key)
            if item is None and phase.status == PhaseStatus.COMPLETED:
                skipped.append(f"ny punkt i den avslutade fasen {spec.name} gäller från nästa cykel: {item_spec.title}")
                continue
            if item is None:  # its clock starts today in the running phase, when its phase opens otherwise
                due = item_spec.default_due_on(on, phase.due_on) if phase.status == PhaseStatus.ACTIVE else None
                item = ChecklistItem(
                    phase_id=phase.id,
                    key=item_spec.key,
                    title=item_spec.title,
                    owner_role_key=item_spec.owner,
                    due_on=due,
                )
            item.title, item.owner_role_key = item_spec.title, item_spec.owner
            item.evidence_kind, item.requirement = item_spec.evidence, item_spec.requirement
            session.add(item)
    session.flush()
    return skipped


def upgrade_definition(session: Session, actor: Actor) -> UpgradeResult:
    """Move the running cycle onto the definition file as it is now; refused as a whole, or done and audited."""
    on = actor.on
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(
        session, organisation, actor, COORDINATING, "flytta över cykeln till en ny processbeskrivning"
    )
    cycle = active_cycle(session, organisation)
    rows = cycle_phases(session, cycle)  # locks the phases first: a second upgrade waits and sees this one's result
    session.refresh(cycle)
    pinned = definition_of(session, cycle)
    target = current_definition(cycle.definition_key)
    phases = target.cycle_phases(cycle.number)
    if content_version(pinned) == content_version(target) and _fits(rows, phases):
        raise RefusedError(f"Cykel {cycle.number} följer redan den aktuella processbeskrivningen ({label_of(target)})")
    require_owner_functions(session, organisation, target)
    problems = refusals(rows, phases)
    if problems:
        raise RefusedError(
            f"Cykel {cycle.number} kan inte flyttas över till processbeskrivningen '{target.key}' "
            f"{label_of(target)}; cykeln är oförändrad. Det som hindrar:",
            problems,
        )
    changes = compare(pinned, target) or [f"cykelns faser och punkter följer nu {label_of(target)}"]
    changes += _apply(session, cycle, rows, phases, on)
    return _record(session, acting, cycle, pinned, target, changes)


def _fits(rows: list[CyclePhase], phases: list[PhaseDefinition]) -> bool:
    """Whether the cycle's phases and items are exactly those of the definition (in order)."""
    return [(r.phase.key, sorted(r.items)) for r in rows] == [(p.key, sorted(i.key for i in p.items)) for p in phases]


def _record(
    session: Session,
    actor: Acting,
    cycle: Cycle,
    pinned: ProcessDefinition,
    target: ProcessDefinition,
    changes: list[str],
) -> UpgradeResult:
    before = {"definition_version": pinned.version, "content": content_version(pinned)}
    pin(cycle, target)
    cycle.version += 1
    session.add(cycle)
    audit(
        session,
        actor,
        cycle.organisation_id,
        "cycle.upgrade_definition",
        cycle,
        key=str(cycle.number),
        before=before,
        after={
            "definition_version": target.version,
            "content": content_version(target),
            "changes": changes,
        },
    )
    return UpgradeResult(cycle.number, label_of(pinned), label_of(target), changes)
