"""What the cycle page shows about its checklist items, read in a fixed number of statements (issue 19: the page
issued three queries per item — 1 218 with 400 items). One query each for the items, their evidence and the people
who completed them; owners are described once per owning function."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from samverkan.models import ChecklistItem, Decision, Evidence, Person, Phase


@dataclass
class ItemFacts:
    """A cycle's items by phase, each item's evidence lines, the names of those who completed items, and each
    owning function's description (filled on first use through `describe`)."""

    items: dict[int, list[ChecklistItem]]
    evidence: dict[int, list[tuple[str, str | None]]]  # per item: (line shown, the evidence's address)
    names: dict[int, str]
    describe: Callable[[str], str]
    owners: dict[str, str] = field(default_factory=dict)

    def owner(self, function: str) -> str:
        if function not in self.owners:
            self.owners[function] = self.describe(function)
        return self.owners[function]


def item_facts(session: Session, phases: list[Phase], describe: Callable[[str], str]) -> ItemFacts:
    phase_ids = [phase.id for phase in phases]
    items: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in session.exec(
        select(ChecklistItem).where(col(ChecklistItem.phase_id).in_(phase_ids)).order_by(col(ChecklistItem.id))
    ).all():
        items[item.phase_id].append(item)
    evidence: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for item_id, title, uri, number in session.exec(
        select(Evidence.checklist_item_id, Evidence.title, Evidence.uri, Decision.number)
        .join(ChecklistItem, col(ChecklistItem.id) == Evidence.checklist_item_id)
        .outerjoin(Decision, col(Decision.id) == Evidence.decision_id)
        .where(col(ChecklistItem.phase_id).in_(phase_ids))
        .order_by(col(Evidence.id))
    ).all():
        evidence[item_id].append((f"Beslut nr {number}: {title}" if number is not None else title, uri))
    people = {item.completed_by_person_id for group in items.values() for item in group if item.completed_by_person_id}
    query = select(Person.id, Person.name).where(col(Person.id).in_(people))
    names = {person_id: name for person_id, name in session.exec(query) if person_id is not None} if people else {}
    return ItemFacts(dict(items), dict(evidence), names, describe)
