"""The county on one page: each kommun's status as its länsstyrelse sees it — aggregates and dates only.

Phase of the cycle, overdue items, the agreement's and the medborgarlöfte's periods (and whether they expire
soon), the last weekly lägesbild received, whether the coordinator role is vacant; and the county network's
meetings with who is called to them. Never a kommun's free text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.models import Body, Cadence, CitizenPromise, Organisation, Role, WeeklyLagesbild
from samverkan.models.enums import TriggerKind
from samverkan.roles.holding import holders
from samverkan.scheduling.cadence import cadence_calendar, expand
from samverkan.scheduling.workdays import WorkCalendar
from samverkan.services.agreements import latest_agreement
from samverkan.services.county import cycle_progress
from samverkan.services.county_scope import County
from samverkan.services.weekly_lagesbild import week_label

EXPIRES_SOON = timedelta(days=180)


@dataclass
class Period:
    title: str
    start: date
    end: date
    status: str
    expires_soon: bool


@dataclass
class KommunStatus:
    key: str
    name: str
    phase: str | None
    overdue_items: int
    agreement: Period | None
    promise: Period | None
    last_report: str | None  # the last compiled week, as "vecka 12 2027"
    last_report_on: date | None
    coordinator_vacant: bool

    @property
    def attention(self) -> list[str]:
        """What the länsstyrelse may want to follow up, in words."""
        notes = []
        if self.coordinator_vacant:
            notes.append("samordnarrollen är vakant")
        if self.overdue_items:
            notes.append(f"{self.overdue_items} försenade punkter")
        for period in (self.agreement, self.promise):
            if period is not None and period.expires_soon:
                notes.append(f"{period.title} löper ut {period.end}")
        return notes


@dataclass
class NetworkMeeting:
    body: str
    title: str
    day: date
    called: list[tuple[str, str, bool]] = field(default_factory=list)  # kommun, role, vacant on the day


def _period(title: str, start: date, end: date, status: str, today: date) -> Period:
    return Period(title, start, end, status, today <= end <= today + EXPIRES_SOON)


def kommun_status(session: Session, org: Organisation, today: date) -> KommunStatus:
    phase, overdue = cycle_progress(session, org, today)
    agreement = latest_agreement(session, org)
    agreed = promised = None
    if agreement is not None:
        agreed = _period("överenskommelsen", agreement.period_start, agreement.period_end, agreement.status, today)
        promise = session.exec(
            select(CitizenPromise)
            .where(CitizenPromise.agreement_id == agreement.id, CitizenPromise.municipality_id == org.id)
            .order_by(col(CitizenPromise.version).desc())
        ).first()
        if promise is not None:
            promised = _period("medborgarlöftet", promise.period_start, promise.period_end, promise.status, today)
    last = session.exec(
        select(WeeklyLagesbild)
        .where(WeeklyLagesbild.organisation_id == org.id)
        .order_by(col(WeeklyLagesbild.week_start).desc())
    ).first()
    coordinators = session.exec(
        select(Role).where(
            Role.organisation_id == org.id, Role.function == "samordnare", col(Role.archived_at).is_(None)
        )
    ).all()
    vacant = not any(holders(session, role, today) for role in coordinators)
    return KommunStatus(
        org.key,
        org.name,
        phase.name if phase else None,
        overdue,
        agreed,
        promised,
        week_label(last.week_start) if last else None,
        last.week_start if last else None,
        vacant,
    )


def county_status(session: Session, county: County, today: date) -> list[KommunStatus]:
    return [kommun_status(session, org, today) for org in county.kommuner]


def network_roles(session: Session, county: County, body: Body) -> list[tuple[Organisation, Role]]:
    """A network's members in the county's kommuner: their roles with the network's member functions."""
    if not body.member_functions:
        return []
    roles = session.exec(
        select(Role).where(
            col(Role.organisation_id).in_([k.id for k in county.kommuner]),
            col(Role.function).in_(body.member_functions),
            col(Role.archived_at).is_(None),
        )
    ).all()
    by_org = {k.id: k for k in county.kommuner}
    order = {k.id: index for index, k in enumerate(county.kommuner)}
    return sorted(
        ((by_org[r.organisation_id], r) for r in roles),
        key=lambda pair: (order[saved_id(pair[0])], body.member_functions.index(pair[1].function), pair[1].key),
    )


def network_meetings(session: Session, county: County, first: date, last: date) -> list[NetworkMeeting]:
    """The network's meetings in [first, last] and, for each, who is called: every member role in the county's
    kommuner, marked when nobody holds it on the day."""
    board = county.board
    calendar = WorkCalendar.from_settings(board.breaks())
    meetings = []
    cadences = session.exec(
        select(Cadence).where(
            Cadence.organisation_id == board.id,
            Cadence.trigger == TriggerKind.NETWORK_MEETING,
            col(Cadence.archived_at).is_(None),
        )
    ).all()
    for cadence in cadences:
        body = session.get(Body, cadence.body_id) if cadence.body_id else None
        if body is None:
            continue
        members = network_roles(session, county, body)
        for occurrence in expand(cadence.rule, cadence_calendar(cadence.rule, calendar), first, last):
            called = [(org.name, role.name, not holders(session, role, occurrence.day)) for org, role in members]
            meetings.append(NetworkMeeting(body.name, cadence.title, occurrence.day, called))
    return sorted(meetings, key=lambda m: m.day)
