"""Indicators as the follow-up sees them: every measurement in time order, the latest value against the target,
whether that value is recent, the chart; and a measurement entered by hand (the CSV import is
services/measurements.py, which stores through the same function)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.models import Indicator, Measurement, Organisation
from samverkan.models.enums import IndicatorDirection
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import AddMeasurement
from samverkan.services.measurements import ImportReport, MeasuredValue, store_measurement
from samverkan.services.overview import find_organisation
from samverkan.templates.charts import Figure, IndicatorChart, indicator_chart, number, period_position

PUBLICATION_LAG_YEARS = 1  # official statistics for a year are published during the next


@dataclass(frozen=True)
class IndicatorView:
    """One indicator with its measurements (oldest first), the latest, and how that stands against the target."""

    indicator: Indicator
    measurements: list[Measurement]
    recent: bool
    verdict: str  # "nadd", "ej_nadd", "inget_mal", "inget_varde"
    verdict_text: str

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    def chart(self, prefix: str = "indikator") -> IndicatorChart:
        i = self.indicator
        return indicator_chart(
            f"{prefix}-{i.id}",
            i.name,
            i.unit,
            [(m.period, m.value, m.preliminary) for m in self.measurements],
            Figure(i.baseline_value, i.baseline_year),
            Figure(i.target_value, i.target_year),
            Figure(i.national_value, i.national_year),
        )


def in_time_order(measurements: list[Measurement]) -> list[Measurement]:
    return sorted(measurements, key=lambda m: (period_position(m.period) or 0.0, m.period))


def is_recent(indicator: Indicator, latest: Measurement | None, on: date) -> bool:
    """A value is recent when its period is no older than the indicator's interval plus the publication lag:
    on 2027-02-01 a yearly indicator's 2025 value is recent, its 2024 value is not."""
    if latest is None:
        return False
    return int(latest.period[:4]) >= on.year - max(indicator.interval_years, 1) - PUBLICATION_LAG_YEARS


def verdict(indicator: Indicator, latest: Measurement | None) -> tuple[str, str]:
    """The latest value against the target, by the indicator's direction, as a key and a Swedish sentence."""
    if latest is None:
        return "inget_varde", "Inget mätvärde ännu"
    if indicator.target_value is None:
        return "inget_mal", f"Senast {number(latest.value)} ({latest.period}); inget mål är satt"
    target = number(indicator.target_value)
    lower = indicator.direction == IndicatorDirection.LOWER_IS_BETTER
    reached = latest.value <= indicator.target_value if lower else latest.value >= indicator.target_value
    if reached:
        return "nadd", f"Senast {number(latest.value)} ({latest.period}): målet {target} är nått"
    return "ej_nadd", f"Senast {number(latest.value)} ({latest.period}): målet {target} är inte nått"


def indicator_view(session: Session, indicator: Indicator, on: date) -> IndicatorView:
    rows = in_time_order(list(session.exec(select(Measurement).where(Measurement.indicator_id == indicator.id)).all()))
    latest = rows[-1] if rows else None
    kind, text = verdict(indicator, latest)
    return IndicatorView(indicator, rows, is_recent(indicator, latest, on), kind, text)


def indicator_views(session: Session, organisation: Organisation, on: date) -> list[IndicatorView]:
    """The organisation's indicators in use (not archived), by name."""
    indicators = session.exec(
        select(Indicator)
        .where(Indicator.organisation_id == organisation.id, col(Indicator.archived_at).is_(None))
        .order_by(col(Indicator.name))
    ).all()
    return [indicator_view(session, indicator, on) for indicator in indicators]


def find_indicator(session: Session, organisation: Organisation, indicator_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.organisation_id != organisation.id:
        raise NotFoundError(f"indikator nr {indicator_id} finns inte i {organisation.name}")
    return indicator


def add_measurement(session: Session, actor: Actor, given: AddMeasurement) -> ImportReport:
    """One measurement entered by hand: created, or the period's value changed; audited like an imported one."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor.email, COORDINATING, actor.on, "registrera mätvärden")
    indicator = find_indicator(session, organisation, given.indicator_id)
    if period_position(given.period) is None:
        raise RefusedError(f"'{given.period}' är ingen period (ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM)")
    if int(given.period[:4]) > actor.on.year:
        raise RefusedError(f"perioden {given.period} har inte börjat ännu")
    report = ImportReport()
    value = MeasuredValue(indicator, given.period, given.value, given.preliminary, given.source)
    store_measurement(session, acting.label, saved_id(organisation), value, report, "measurement.add")
    return report
