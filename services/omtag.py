"""Omtag that keeps the chain true: going back to a phase reopens its items with new deadlines, and every later
item whose fact depends on what may change there (process/requirements.py READS), each with why.

A new problem after the agreement was signed is the example: going back to Lägesbild puts the prioritisation in
play, so the agreement's, the åtgärdsplan's and the promises' items open again and must be shown once more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from samverkan.models import ChecklistItem, Cycle, Phase
from samverkan.models.enums import ItemStatus
from samverkan.process.definition import ProcessDefinition
from samverkan.process.requirements import FACTS_SV, READS
from samverkan.services.lifecycle import move
from samverkan.services.pinning import phase_spec


@dataclass(frozen=True)
class Reopened:
    """One item that an omtag opened again, and why."""

    item_id: int
    key: str
    title: str
    phase: str
    why: str
    due_on: date | None

    def describe(self) -> str:
        due = f"; klart senast {self.due_on}" if self.due_on else "; ny tidsfrist när fasen öppnas"
        return f"'{self.title}' ({self.phase}) öppnas igen: {self.why}{due}."

    def as_dict(self) -> dict[str, object]:
        return {"punkt": self.key, "fas": self.phase, "varfor": self.why, "klart_senast": self.due_on}


def _facts_of(items: list[ChecklistItem]) -> set[str]:
    return {fact for item in items if item.requirement for fact in READS.get(item.requirement, ())}


def _reopen(item: ChecklistItem) -> None:
    if item.status != ItemStatus.OPEN:
        move(item, ItemStatus.OPEN, f"'{item.title}'")
    item.completed_at, item.completed_by_person_id, item.version = None, None, item.version + 1


def reopen_target(
    session: Session, definition: ProcessDefinition, target: Phase, on: date, reason: str
) -> list[Reopened]:
    """The target phase's items open again, each with a new deadline counted from `on`."""
    spec = phase_spec(definition, target)
    target.due_on = spec.default_due_on(on)
    specs = {item.key: item for item in spec.items}
    reopened = []
    items = session.exec(
        select(ChecklistItem).where(ChecklistItem.phase_id == target.id).order_by(col(ChecklistItem.id))
    )
    for item in items.all():
        was_done = item.status == ItemStatus.DONE
        _reopen(item)
        item_spec = specs.get(item.key)
        item.due_on = item_spec.default_due_on(on, target.due_on) if item_spec else target.due_on
        session.add(item)
        if was_done:
            why = f"omtaget till fasen {target.name} ({reason})"
            reopened.append(Reopened(item.id or 0, item.key, item.title, target.name, why, item.due_on))
    return reopened


def reopen_dependants(session: Session, cycle: Cycle, target: Phase, entry: dict[str, object]) -> list[Reopened]:
    """Every done item after `target` whose requirement reads a fact that may change from `target` on. A reopened
    item's facts are in play too, so what builds on it follows. Each is noted in its phase's history."""
    target_items = list(session.exec(select(ChecklistItem).where(ChecklistItem.phase_id == target.id)).all())
    in_play = _facts_of(target_items)
    later = session.exec(
        select(Phase, ChecklistItem)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(Phase.cycle_id == cycle.id, Phase.ordinal > target.ordinal)
        .order_by(col(Phase.ordinal), col(ChecklistItem.id))
    ).all()
    reopened = []
    for phase, item in later:
        reads = READS.get(item.requirement or "", frozenset())
        shared = sorted(reads & in_play)
        if item.status == ItemStatus.OPEN:
            item.due_on = None  # its phase gets a new deadline when it opens again, and so does the item
            session.add(item)
            continue
        if not shared:
            continue
        _reopen(item)
        item.due_on = None
        session.add(item)
        in_play |= reads
        facts = " och ".join(FACTS_SV[fact] for fact in shared)
        why = f"den bygger på {facts}, som kan ändras genom omtaget till {target.name}"
        reopened.append(Reopened(item.id or 0, item.key, item.title, phase.name, why, None))
        note = {"at": entry["at"], "action": "punkt öppnad igen vid omtag", "by": entry["by"], "punkt": item.title}
        phase.history = [*phase.history, {**note, "varfor": why}]
        session.add(phase)
    return reopened


def summary(target: str, reopened: list[Reopened]) -> str:
    """The omtag in one notice: how many of the phase's items opened again, and which later items, by name."""
    own = sum(1 for r in reopened if r.phase == target)
    later = [f"'{r.title}' ({r.phase})" for r in reopened if r.phase != target]
    text = f"Omtag till {target}: {own} klara punkter i fasen öppnas igen med nya tidsfrister."
    if later:
        text += f" Även {', '.join(later)} öppnas igen, eftersom de bygger på det som kan ändras."
    return text
