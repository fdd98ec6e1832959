"""The länsstyrelse's monthly joint analysis of its kommuner's compiled weekly lägesbilder.

Only the compiled structured rows are read — never a contribution's free text or a kommun's summary. Counts are
summed across kommuner and then suppressed below the threshold (core/privacy.py `shown_count`); categories are
compared by their vocabulary key, so two spellings of one category are one row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from samverkan.core.labels import MONTHS_SV
from samverkan.core.privacy import shown_count
from samverkan.models import WeeklyLagesbild
from samverkan.orgconfig.categories import category_key
from samverkan.services.county_scope import County
from samverkan.services.weekly_lagesbild import week_of


@dataclass
class KommunMonth:
    key: str
    name: str
    weeks_expected: int
    weeks_compiled: int
    contributions: int
    categories: list[str]

    @property
    def reported(self) -> bool:
        return self.weeks_compiled > 0

    @property
    def behind(self) -> bool:
        """No week compiled although one was due by now."""
        return self.weeks_expected > 0 and not self.reported

    @property
    def complete(self) -> bool:
        return self.weeks_compiled >= self.weeks_expected


@dataclass
class CategoryRow:
    name: str
    shown: str  # the county's total, suppressed
    kommuner: list[str]  # the names of the kommuner that reported it
    per_kommun: dict[str, str]  # kommun key → suppressed count
    trend: str  # against the month before: okar, minskar, oforandrad, ny
    severity: int | None
    total: int = 0  # not for showing: what the yearly report sums before suppressing

    @property
    def shared(self) -> bool:
        return len(self.kommuner) >= 2


@dataclass
class MonthlyAnalysis:
    county: str
    first: date
    last: date
    kommuner: list[KommunMonth] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    not_in_samverkan: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{MONTHS_SV[self.first.month - 1]} {self.first.year}"

    @property
    def shared(self) -> list[CategoryRow]:
        """Gemensamma nämnare: categories several kommuner report, which they could handle together."""
        return [row for row in self.categories if row.shared]

    @property
    def not_reported(self) -> list[KommunMonth]:
        return [k for k in self.kommuner if k.behind]

    @property
    def incomplete(self) -> list[KommunMonth]:
        return [k for k in self.kommuner if k.reported and not k.complete]


def shift_month(day: date, months: int) -> date:
    """The first day of the month `months` after (negative: before) the one `day` lies in: counted in months,
    never in days, so that no month is skipped or repeated whatever the months' lengths or the year's end."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def recent_months(today: date, count: int) -> list[date]:
    """The first days of the `count` months up to and including today's, the latest first."""
    return [shift_month(today, -back) for back in range(count)]


def month_range(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    return first, shift_month(first, 1) - timedelta(days=1)


def weeks_in(first: date, last: date) -> list[date]:
    """The weeks that belong to the month: those whose Monday lies in it."""
    monday = week_of(first)
    monday = monday if monday >= first else monday + timedelta(days=7)
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _compiled(session: Session, county: County, first: date, last: date) -> list[WeeklyLagesbild]:
    ids = [k.id for k in county.kommuner]
    return list(
        session.exec(
            select(WeeklyLagesbild).where(
                col(WeeklyLagesbild.organisation_id).in_(ids),
                WeeklyLagesbild.week_start >= first,
                WeeklyLagesbild.week_start <= last,
            )
        ).all()
    )


def _totals(weeks: list[WeeklyLagesbild]) -> dict[str, dict[int, int]]:
    """category key → kommun id → summed count."""
    totals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for week in weeks:
        for row in week.rows:
            totals[category_key(str(row["category"]))][week.organisation_id] += int(str(row.get("count") or 0))
    return totals


def _trend(now: int, before: int | None) -> str:
    if before is None or before == 0:
        return "ny" if now else "oforandrad"
    if now > before * 1.2:
        return "okar"
    if now < before * 0.8:
        return "minskar"
    return "oforandrad"


def monthly_analysis(
    session: Session, county: County, year: int, month: int, as_of: date | None = None
) -> MonthlyAnalysis:
    """The month's analysis; made on `as_of` (default: after the month), a week counts as expected once its
    Friday, the day kommuner compile by, has come."""
    first, last = month_range(year, month)
    previous = month_range(year, month - 1) if month > 1 else month_range(year - 1, 12)
    weeks = _compiled(session, county, first, last)
    totals, earlier = _totals(weeks), _totals(_compiled(session, county, *previous))
    vocabulary = county.vocabulary
    names = {k.id: k.name for k in county.kommuner}
    keys = {k.id: k.key for k in county.kommuner}
    analysis = MonthlyAnalysis(county.board.name, first, last, not_in_samverkan=list(county.missing))
    shown_names = {category_key(str(r["category"])): str(r["category"]) for w in weeks for r in w.rows}
    for key, by_kommun in sorted(totals.items(), key=lambda item: (-sum(item[1].values()), item[0])):
        total = sum(by_kommun.values())
        severities = [
            int(str(r["severity"]))
            for w in weeks
            for r in w.rows
            if r.get("severity") and category_key(str(r["category"])) == key
        ]
        before = sum(earlier[key].values()) if key in earlier else None
        analysis.categories.append(
            CategoryRow(
                vocabulary.shown(shown_names[key]),
                shown_count(total),
                sorted(names[org_id] for org_id in by_kommun),
                {keys[org_id]: shown_count(count) for org_id, count in by_kommun.items()},
                _trend(total, before),
                max(severities) if severities else None,
                total,
            )
        )
    expected = len([w for w in weeks_in(first, last) if as_of is None or w + timedelta(days=4) <= as_of])
    for kommun in county.kommuner:
        own = [w for w in weeks if w.organisation_id == kommun.id]
        categories = sorted({vocabulary.shown(str(r["category"])) for w in own for r in w.rows})
        analysis.kommuner.append(
            KommunMonth(kommun.key, kommun.name, expected, len(own), sum(w.contributions for w in own), categories)
        )
    return analysis
