"""Indicators as the follow-up sees them: every measurement in time order, the latest value against the target,
whether that value is recent, the chart; and a measurement entered by hand (the CSV import is
services/measurements.py, which stores through the same function)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.models import AgreementGoal, Cycle, Indicator, Measurement, Organisation
from samverkan.models.enums import CycleStatus, IndicatorDirection
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.agreement_content import agreement_in_force, agreement_of_cycle
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import AddMeasurement
from samverkan.services.measure_links import organisation_indicators
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
    target: Figure  # the indicator's own target, else the agreement's goal for it
    agreed: bool  # the target is the agreement's

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
            self.target,
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


def verdict(indicator: Indicator, latest: Measurement | None, target: Figure, agreed: bool = False) -> tuple[str, str]:
    """The latest value against the target, by the indicator's direction, as a key and a Swedish sentence."""
    if latest is None:
        return "inget_varde", "Inget mätvärde ännu"
    if target.value is None:
        return "inget_mal", f"Senast {number(latest.value)} ({latest.period}); inget mål är satt"
    goal = f"målet {number(target.value)}" + (" enligt överenskommelsen" if agreed else "")
    lower = indicator.direction == IndicatorDirection.LOWER_IS_BETTER
    reached = latest.value <= target.value if lower else latest.value >= target.value
    if reached:
        return "nadd", f"Senast {number(latest.value)} ({latest.period}): {goal} är nått"
    return "ej_nadd", f"Senast {number(latest.value)} ({latest.period}): {goal} är inte nått"


def agreed_targets(session: Session, organisation: Organisation, on: date) -> dict[int, Figure]:
    """The targets the agreement sets for indicators (its measurable goals): the agreement the running cycle
    adopted, else the one in force on `on`."""
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    agreement = (agreement_of_cycle(session, cycle) if cycle else None) or agreement_in_force(session, organisation, on)
    if agreement is None:
        return {}
    goals = session.exec(
        select(AgreementGoal).where(AgreementGoal.agreement_id == agreement.id).order_by(col(AgreementGoal.number))
    ).all()
    targets: dict[int, Figure] = {}
    for goal in goals:
        if goal.target_value is not None:
            targets.setdefault(goal.indicator_id, Figure(goal.target_value, goal.target_year))
    return targets


def indicator_view(
    session: Session, indicator: Indicator, on: date, agreed: Mapping[int, Figure] | None = None
) -> IndicatorView:
    """The indicator's view on `on`; its target is its own, else the agreement's (`agreed`, by indicator)."""
    rows = in_time_order(list(session.exec(select(Measurement).where(Measurement.indicator_id == indicator.id)).all()))
    latest = rows[-1] if rows else None
    own = Figure(indicator.target_value, indicator.target_year)
    from_agreement = own.value is None and indicator.id in (agreed or {})
    target = (agreed or {})[saved_id(indicator)] if from_agreement else own
    kind, text = verdict(indicator, latest, target, from_agreement)
    return IndicatorView(indicator, rows, is_recent(indicator, latest, on), kind, text, target, from_agreement)


def indicator_views(session: Session, organisation: Organisation, on: date) -> list[IndicatorView]:
    """The organisation's indicators in use (not archived), by name."""
    indicators = organisation_indicators(session, organisation)
    agreed = agreed_targets(session, organisation, on)
    return [indicator_view(session, indicator, on, agreed) for indicator in indicators]


def find_indicator(session: Session, organisation: Organisation, indicator_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.organisation_id != organisation.id:
        raise NotFoundError(f"indikator nr {indicator_id} finns inte i {organisation.name}")
    return indicator


def add_measurement(session: Session, actor: Actor, given: AddMeasurement) -> ImportReport:
    """One measurement entered by hand: created, or the period's value changed; audited like an imported one."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "registrera mätvärden")
    indicator = find_indicator(session, organisation, given.indicator_id)
    if period_position(given.period) is None:
        raise RefusedError(f"'{given.period}' är ingen period (ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM)")
    if int(given.period[:4]) > actor.on.year:
        raise RefusedError(f"perioden {given.period} har inte börjat ännu")
    report = ImportReport()
    value = MeasuredValue(indicator, given.period, given.value, given.preliminary, given.source)
    store_measurement(session, acting, saved_id(organisation), value, report, "measurement.add")
    return report
