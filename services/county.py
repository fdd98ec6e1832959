"""The länsstyrelse's roll-up: its kommuner's EST reporting for a month, common problems, who is behind.

Counts are summed across kommuner and then suppressed below the threshold (the report leaves the groups
that made the observations)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from samverkan.core.privacy import shown_count
from samverkan.models import ChecklistItem, Cycle, EstObservation, Organisation, OrganisationLink, Phase
from samverkan.models.enums import CycleStatus, ItemStatus, OrgKind, PhaseStatus
from samverkan.services.errors import NotFoundError


@dataclass
class MemberStatus:
    name: str
    reported: bool
    observations: str
    phase: str | None
    overdue_items: int
    behind: bool


@dataclass
class CountyReport:
    county_board: str
    month: str
    members: list[MemberStatus] = field(default_factory=list)
    categories: list[tuple[str, str, int]] = field(default_factory=list)  # category, shown count, kommuner
    common: list[str] = field(default_factory=list)


def month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def county_report(session: Session, county_key: str, month: str) -> CountyReport:
    board = session.exec(select(Organisation).where(Organisation.key == county_key)).first()
    if board is None or board.kind != OrgKind.LANSSTYRELSE:
        raise NotFoundError(f"'{county_key}' är ingen länsstyrelse i Samverkan")
    first, last = month_bounds(month)
    member_ids = session.exec(
        select(OrganisationLink.organisation_id).where(
            OrganisationLink.member_id == board.id, OrganisationLink.relation == "lansstyrelse"
        )
    ).all()
    members = session.exec(
        select(Organisation).where(col(Organisation.id).in_(member_ids)).order_by(Organisation.name)
    ).all()
    report = CountyReport(board.name, month)
    totals: Counter[str] = Counter()
    reporters: dict[str, set[str]] = defaultdict(set)
    for org in members:
        observations = session.exec(
            select(EstObservation).where(
                EstObservation.organisation_id == org.id,
                EstObservation.observed_on >= first,
                EstObservation.observed_on <= last,
            )
        ).all()
        for obs in observations:
            totals[obs.category] += obs.events
            reporters[obs.category].add(org.name)
        phase, overdue = cycle_progress(session, org, last)
        report.members.append(
            MemberStatus(
                org.name,
                bool(observations),
                shown_count(sum(o.events for o in observations)),
                phase.name if phase else None,
                overdue,
                behind=overdue > 0 or (phase is not None and phase.due_on is not None and phase.due_on < last),
            )
        )
    report.categories = [
        (category, shown_count(count), len(reporters[category])) for category, count in sorted(totals.items())
    ]
    report.common = [category for category, names in sorted(reporters.items()) if len(names) >= 2]
    return report


def cycle_progress(session: Session, org: Organisation, last: date) -> tuple[Phase | None, int]:
    """The active phase of the organisation's active cycle, and its open items due before `last`."""
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == org.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    if cycle is None:
        return None, 0
    phase = session.exec(select(Phase).where(Phase.cycle_id == cycle.id, Phase.status == PhaseStatus.ACTIVE)).first()
    overdue = session.exec(
        select(ChecklistItem.id)
        .join(Phase, col(Phase.id) == ChecklistItem.phase_id)
        .where(Phase.cycle_id == cycle.id, ChecklistItem.status == ItemStatus.OPEN, col(ChecklistItem.due_on) < last)
    ).all()
    return phase, len(overdue)
