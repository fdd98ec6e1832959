"""Where an organisation's collaboration stands, on one screen (the Översikt page): the cycle's phases as a
progress line, what is overdue and for whom, the next meetings and reports, the agreement's and medborgarlöftens
periods, roles left empty or about to be, and the EST picture with its trend. An organisation that runs no
cycle (a länsstyrelse, process/owners.py) sees its county instead: the kommuner's phases and what to follow up,
the month's analysis so far and the network's next meeting. Reads only; every rule it shows
(who holds a role, what is overdue, small counts) is the one the rest of the service layer uses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from samverkan.core.labels import MONTHS_SHORT_SV, MONTHS_SV
from samverkan.core.privacy import SUPPRESSION_THRESHOLD, shown_count
from samverkan.core.timeutil import local
from samverkan.models import ChecklistItem, Cycle, EstObservation, Organisation, Person, Phase, Role, RoleAssignment
from samverkan.models.enums import AgreementStatus, ItemStatus, PhaseStatus
from samverkan.process.owners import runs_cycle
from samverkan.services.agreements import latest_agreement, latest_promises
from samverkan.services.calendar_feed import organisation_calendar
from samverkan.services.county_analysis import monthly_analysis
from samverkan.services.county_scope import county_of_board
from samverkan.services.county_status import KommunStatus, NetworkMeeting, county_status, network_meetings
from samverkan.services.cycle import owner_text
from samverkan.services.documents import lagesbild_summary
from samverkan.services.errors import NotFoundError
from samverkan.services.overview import find_organisation

ENDING_SOON_DAYS = 90  # an assignment or period ending within this many days is flagged
UPCOMING_DAYS = 60  # how far ahead the next meetings and reports are looked for
UPCOMING_SHOWN = 7
TREND_MONTHS = 6


@dataclass
class PhaseStep:
    key: str
    name: str
    status: str
    opened_on: date | None
    completed_on: date | None
    due_on: date | None
    done: int
    total: int


@dataclass
class LateItem:
    id: int
    title: str
    due_on: date
    days_late: int
    owners: str


@dataclass
class Upcoming:
    start: datetime
    title: str
    kind: str
    body_name: str | None


@dataclass
class Period:
    what: str
    status: str
    start: date
    end: date
    days_left: int
    ending_soon: bool


@dataclass
class RoleAlert:
    role: str
    party: str
    signatory: bool
    holder: str | None  # None: nobody holds the role today
    ends_on: date | None
    days_left: int | None


@dataclass
class EstMonth:
    label: str
    shown: str
    total: int


@dataclass
class EstPicture:
    categories: list[tuple[str, str]]
    months: list[EstMonth]
    trend: str


@dataclass
class CountyGlance:
    """A länsstyrelse's county at a glance: aggregates and dates only, as on the county page."""

    name: str  # the county ("Västmanlands län"), else the länsstyrelse's name
    kommuner: list[KommunStatus]
    missing: list[str]  # keys of the county's kommuner not in Samverkan
    month: date  # the first day of the month whose analysis is shown
    month_label: str
    reported: int  # kommuner with a compiled week this month
    not_reported: list[str]  # kommuner behind: a week was due and none is compiled
    shared: list[str]  # categories several kommuner report this month
    next_meeting: NetworkMeeting | None


@dataclass
class Glance:
    key: str
    name: str
    on: date
    cycle_number: int | None = None
    phases: list[PhaseStep] = field(default_factory=list)
    late: list[LateItem] = field(default_factory=list)
    upcoming: list[Upcoming] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    roles: list[RoleAlert] = field(default_factory=list)
    est: EstPicture | None = None
    runs_cycle: bool = True  # False: a länsstyrelse, which sees `county` instead of a cycle of its own
    county: CountyGlance | None = None

    @property
    def current(self) -> PhaseStep | None:
        return next((p for p in self.phases if p.status == PhaseStatus.ACTIVE), None)


def glance(session: Session, org_key: str, on: date) -> Glance:
    organisation = find_organisation(session, org_key)
    result = Glance(organisation.key, organisation.name, on, runs_cycle=runs_cycle(organisation.kind))
    if not result.runs_cycle:
        result.county = county_glance(session, organisation, on)
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id).order_by(col(Cycle.number).desc())
    ).first()
    if cycle is not None:
        result.cycle_number = cycle.number
        result.phases, result.late = _phases(session, organisation, cycle, on)
    result.upcoming = [
        Upcoming(local(e.start), e.title, e.kind, e.body_name)
        for e in organisation_calendar(session, organisation.key, on, on + timedelta(days=UPCOMING_DAYS))
    ][:UPCOMING_SHOWN]
    result.roles = role_alerts(session, organisation, on)
    if result.runs_cycle:
        result.periods = _periods(session, organisation, on)
        result.est = est_picture(session, organisation, on)
    return result


def county_glance(session: Session, board: Organisation, on: date) -> CountyGlance | None:
    """The county of a länsstyrelse on day `on` (None for one whose file names no county)."""
    try:
        county = county_of_board(session, board)
    except NotFoundError:
        return None
    analysis = monthly_analysis(session, county, on.year, on.month, on)
    meetings = network_meetings(session, county, on, on + timedelta(days=UPCOMING_DAYS * 3))
    return CountyGlance(
        board.county or board.name,
        county_status(session, county, on),
        list(county.missing),
        analysis.first,
        analysis.label,
        sum(1 for k in analysis.kommuner if k.reported),
        [k.name for k in analysis.not_reported],
        [row.name for row in analysis.shared],
        meetings[0] if meetings else None,
    )


def _day(moment: datetime | None) -> date | None:
    return local(moment).date() if moment else None


def _phases(
    session: Session, organisation: Organisation, cycle: Cycle, on: date
) -> tuple[list[PhaseStep], list[LateItem]]:
    steps, late = [], []
    for phase in session.exec(select(Phase).where(Phase.cycle_id == cycle.id).order_by(col(Phase.ordinal))).all():
        items = session.exec(select(ChecklistItem).where(ChecklistItem.phase_id == phase.id)).all()
        done = sum(1 for i in items if i.status == ItemStatus.DONE)
        steps.append(
            PhaseStep(
                phase.key,
                phase.name,
                phase.status,
                _day(phase.opened_at),
                _day(phase.completed_at),
                phase.due_on,
                done,
                len(items),
            )
        )
        if phase.status != PhaseStatus.ACTIVE:
            continue  # only the running phase's items can be late: the others are done or not begun
        for item in items:
            if item.status == ItemStatus.OPEN and item.due_on is not None and item.due_on < on:
                owners = owner_text(session, organisation, item.owner_role_key, on)
                late.append(LateItem(item.id or 0, item.title, item.due_on, (on - item.due_on).days, owners))
    return steps, sorted(late, key=lambda i: i.due_on)


def _periods(session: Session, organisation: Organisation, on: date) -> list[Period]:
    agreement = latest_agreement(session, organisation)
    if agreement is None:
        return []
    subjects: list[tuple[str, str, date, date]] = [
        (agreement.title, agreement.status, agreement.period_start, agreement.period_end)
    ]
    for promise in latest_promises(session, agreement):
        subjects.append((promise.title, promise.status, promise.period_start, promise.period_end))
    return [
        Period(what, status, start, end, (end - on).days, status != AgreementStatus.SUPERSEDED and _soon(end, on))
        for what, status, start, end in subjects
    ]


def _soon(end: date, on: date) -> bool:
    return (end - on).days <= ENDING_SOON_DAYS


def role_alerts(session: Session, organisation: Organisation, on: date) -> list[RoleAlert]:
    """Roles nobody holds today, and assignments ending within ENDING_SOON_DAYS with no one taking over the day
    after; signatory roles first (an agreement cannot be signed without them)."""
    roles = session.exec(
        select(Role).where(Role.organisation_id == organisation.id, col(Role.archived_at).is_(None))
    ).all()
    parties = {o.id: o.name for o in session.exec(select(Organisation)).all()}
    alerts = []
    for role in roles:
        rows = session.exec(
            select(RoleAssignment, Person)
            .join(Person, col(Person.id) == RoleAssignment.person_id)
            .where(RoleAssignment.role_id == role.id)
        ).all()
        holding = [(a, p) for a, p in rows if a.holds_on(on)]
        party = parties.get(role.party_id, "") if role.party_id else ""
        if not holding:
            alerts.append(RoleAlert(role.name, party, role.signatory, None, None, None))
            continue
        for assignment, person in holding:
            end = assignment.ends_on
            if end is None or not _soon(end, on):
                continue
            if any(a.holds_on(end + timedelta(days=1)) for a, _ in rows):
                continue  # someone takes over: no gap
            alerts.append(RoleAlert(role.name, party, role.signatory, person.name, end, (end - on).days))
    return sorted(alerts, key=lambda a: (not a.signatory, a.holder is not None, a.days_left or 0, a.role))


def est_picture(session: Session, organisation: Organisation, on: date) -> EstPicture | None:
    """The last 90 days by category and the last TREND_MONTHS months' totals; small counts suppressed."""
    first = _month_start(on, TREND_MONTHS - 1)
    tally: Counter[tuple[int, int]] = Counter()
    for observation in session.exec(
        select(EstObservation).where(
            EstObservation.organisation_id == organisation.id,
            EstObservation.observed_on >= first,
            EstObservation.observed_on <= on,
        )
    ):
        tally[(observation.observed_on.year, observation.observed_on.month)] += observation.events
    categories = lagesbild_summary(session, organisation, on, days=90)
    if not tally and not categories:
        return None
    months = []
    for back in range(TREND_MONTHS - 1, -1, -1):
        start = _month_start(on, back)
        total = tally[(start.year, start.month)]
        months.append(EstMonth(f"{MONTHS_SHORT_SV[start.month - 1]} {start.year}", shown_count(total), total))
    return EstPicture(categories, months, _trend(months))


def _month_start(on: date, back: int) -> date:
    index = on.year * 12 + on.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _trend(months: list[EstMonth]) -> str:
    """The last whole month against the one before, said in words; too few to compare is said so."""
    before, last = months[-3], months[-2]
    whole = MONTHS_SV[int(_index_of(last.label))]
    if max(before.total, last.total) < SUPPRESSION_THRESHOLD:
        return f"För få observationer i {whole} och månaden före för att visa en trend."
    if last.total > before.total:
        return f"Fler observationer i {whole} än månaden före."
    if last.total < before.total:
        return f"Färre observationer i {whole} än månaden före."
    return f"Lika många observationer i {whole} som månaden före."


def _index_of(month_label: str) -> int:
    return MONTHS_SHORT_SV.index(month_label.split()[0])
