"""The länsstyrelse's yearly report to Brå on crime prevention in the county, from the county's own data.

Per kommun the three duties of lag (2023:196) om kommuners ansvar för brottsförebyggande arbete — a lägesbild, an
åtgärdsplan, a samordningsfunktion — as facts Samverkan holds; the agreements and medborgarlöften in force; the
network's activity; and the problems several kommuner share. Aggregates only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from samverkan.core.privacy import shown_count
from samverkan.models import Cycle, Measure, Organisation, Problem, Role, WeeklyLagesbild
from samverkan.roles.holding import holders
from samverkan.services.county_analysis import MonthlyAnalysis, monthly_analysis
from samverkan.services.county_scope import County
from samverkan.services.county_status import KommunStatus, NetworkMeeting, kommun_status, network_meetings


@dataclass
class Duties:
    """The three duties of lag 2023:196, as Samverkan knows them for the year."""

    lagesbild: bool
    weeks_compiled: int
    problems: int
    atgardsplan: bool
    measures: int
    samordning: bool


@dataclass
class KommunYear:
    status: KommunStatus
    duties: Duties


@dataclass
class SharedProblem:
    category: str
    kommuner: list[str]
    months: int  # in how many months several kommuner reported it
    shown: str  # the year's total across the county, suppressed


@dataclass
class YearlyReport:
    county: County
    year: int
    written_on: date
    kommuner: list[KommunYear] = field(default_factory=list)
    meetings: list[NetworkMeeting] = field(default_factory=list)
    months: list[MonthlyAnalysis] = field(default_factory=list)
    shared: list[SharedProblem] = field(default_factory=list)

    @property
    def status_on(self) -> date:
        return min(self.written_on, date(self.year, 12, 31))

    @property
    def all_duties(self) -> int:
        return sum(1 for k in self.kommuner if k.duties.lagesbild and k.duties.atgardsplan and k.duties.samordning)

    @property
    def months_reported(self) -> int:
        return sum(1 for month in self.months if any(k.reported for k in month.kommuner))


def _cycle_ids(session: Session, org: Organisation) -> list[int]:
    return [c for c in session.exec(select(Cycle.id).where(Cycle.organisation_id == org.id)).all() if c is not None]


def duties(session: Session, org: Organisation, year: int, on: date) -> Duties:
    cycles = _cycle_ids(session, org)
    weeks = session.exec(
        select(WeeklyLagesbild.id).where(
            WeeklyLagesbild.organisation_id == org.id,
            WeeklyLagesbild.week_start >= date(year, 1, 1),
            WeeklyLagesbild.week_start <= date(year, 12, 31),
        )
    ).all()
    problems = session.exec(select(Problem.id).where(col(Problem.cycle_id).in_(cycles))).all() if cycles else []
    measures = session.exec(select(Measure.id).where(col(Measure.cycle_id).in_(cycles))).all() if cycles else []
    coordinators = session.exec(
        select(Role).where(
            Role.organisation_id == org.id, Role.function == "samordnare", col(Role.archived_at).is_(None)
        )
    ).all()
    return Duties(
        lagesbild=bool(weeks or problems),
        weeks_compiled=len(weeks),
        problems=len(problems),
        atgardsplan=bool(measures),
        measures=len(measures),
        samordning=any(holders(session, role, on) for role in coordinators),
    )


def _shared(months: list[MonthlyAnalysis]) -> list[SharedProblem]:
    kommuner: dict[str, set[str]] = defaultdict(set)
    shared_months: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for month in months:
        for row in month.categories:
            kommuner[row.name].update(row.kommuner)
            shared_months[row.name] += row.shared
            totals[row.name] += row.total
    return sorted(
        (
            SharedProblem(name, sorted(kommuner[name]), shared_months[name], shown_count(totals[name]))
            for name in kommuner
            if len(kommuner[name]) >= 2
        ),
        key=lambda p: (-p.months, -len(p.kommuner), p.category),
    )


def yearly_report(session: Session, county: County, year: int, written_on: date) -> YearlyReport:
    """The report for `year`, as things stand on `written_on` (statuses and vacancies on that day)."""
    on = min(written_on, date(year, 12, 31))
    report = YearlyReport(county, year, written_on)
    for org in county.kommuner:
        report.kommuner.append(KommunYear(kommun_status(session, org, on), duties(session, org, year, on)))
    report.meetings = network_meetings(session, county, date(year, 1, 1), on)  # held by the day it is written
    report.months = [monthly_analysis(session, county, year, month) for month in range(1, 13)]
    report.shared = _shared(report.months)
    return report
