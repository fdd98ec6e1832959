"""The EST picture as a chart: observations by category and calendar month (categories compared by their key in
the organisation's vocabulary, orgconfig/categories.py, and shown in its spelling), for the small stacked chart
pages and packets place."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlmodel import Session, select

from samverkan.core.labels import MONTHS_SHORT_SV
from samverkan.models import EstObservation, Organisation
from samverkan.orgconfig.categories import Vocabulary
from samverkan.templates.charts import StackedChart, stacked_chart


def month_starts(until: date, months: int) -> list[date]:
    """The first day of each of the `months` calendar months that end with `until`'s month, oldest first."""
    firsts = []
    year, month = until.year, until.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def est_by_month(session: Session, organisation: Organisation, until: date, months: int = 6) -> StackedChart:
    """EST observations (their count, or one each) by category in each of the last `months` months to `until`."""
    firsts = month_starts(until, months)
    vocabulary = Vocabulary.from_settings(organisation.settings or {})
    tally: dict[tuple[int, int], Counter[str]] = {(d.year, d.month): Counter() for d in firsts}
    for obs in session.exec(
        select(EstObservation).where(
            EstObservation.organisation_id == organisation.id,
            EstObservation.observed_on >= firsts[0],
            EstObservation.observed_on <= until,
        )
    ):
        tally[(obs.observed_on.year, obs.observed_on.month)][vocabulary.shown(obs.category)] += obs.events
    columns = [(f"{MONTHS_SHORT_SV[d.month - 1]} {d.year}", dict(tally[(d.year, d.month)])) for d in firsts]
    return stacked_chart("est-per-manad", "EST-observationer per månad och kategori", columns)
