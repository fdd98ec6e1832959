"""The verkningskedja of a cycle: prioritised problem → causes → åtgärder (status) → indicators (latest value
against target), with every gap named. The page, the API and the decision packets all show this one reading.

Gaps: no prioritised problem at all; a prioritised problem without an orsaksanalys, or with one not completed;
a cause without an åtgärd (a cancelled åtgärd does not count); an åtgärd without an indicator, or without a
follow-up; an indicator in the chain without a recent value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.labels import label
from samverkan.models import Cause, CauseAnalysis, Cycle, Indicator, Measure, MeasureIndicator, Organisation, Problem
from samverkan.models.enums import CycleStatus, MeasureState, MeasureStatus
from samverkan.services.indicators import IndicatorView, agreed_targets, indicator_view
from samverkan.services.orsaksanalys import prioritised_problems
from samverkan.templates.charts import BarChart, Figure, bar_chart

GAP_KINDS = {  # key → the Swedish heading the page and the packets group gaps under
    "inga_prioriterade_problem": "Inga prioriterade problem",
    "problem_utan_analys": "Prioriterat problem utan orsaksanalys",
    "analys_ej_klar": "Orsaksanalys som inte är slutförd",
    "orsak_utan_atgard": "Orsak utan åtgärd",
    "atgard_utan_indikator": "Åtgärd utan indikator",
    "atgard_utan_uppfoljning": "Åtgärd utan uppföljning",
    "indikator_utan_varde": "Indikator utan aktuellt mätvärde",
}
STATUS_COLOURS = {"gron": "#2e7d32", "gul": "#7a4f00", "rod": "#b3261e", "avbruten": "#4a4a4a"}


@dataclass(frozen=True)
class Gap:
    kind: str
    text: str
    anchor: str  # the id of the link in the chain the gap is about, for a link from the list of gaps

    @property
    def heading(self) -> str:
        return GAP_KINDS[self.kind]


@dataclass
class MeasureLink:
    measure: Measure
    indicators: list[IndicatorView]

    @property
    def cancelled(self) -> bool:
        return self.measure.is_cancelled()

    @property
    def status_key(self) -> str:
        """Its reported colour, or "avbruten" once a decision has cancelled it."""
        return str(MeasureState.CANCELLED) if self.cancelled else str(self.measure.status)


@dataclass
class CauseLink:
    cause: Cause
    parent_number: int | None
    measures: list[MeasureLink]


@dataclass
class ProblemLink:
    problem: Problem
    analysis: CauseAnalysis | None
    causes: list[CauseLink]


@dataclass
class Chain:
    cycle: Cycle | None
    problems: list[ProblemLink] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    indicators: list[IndicatorView] = field(default_factory=list)  # each indicator in the chain once

    def gaps_of(self, anchor: str) -> list[Gap]:
        return [gap for gap in self.gaps if gap.anchor == anchor]

    @property
    def gap_groups(self) -> list[tuple[str, list[Gap]]]:
        return [
            (heading, [g for g in self.gaps if g.kind == kind])
            for kind, heading in GAP_KINDS.items()
            if any(g.kind == kind for g in self.gaps)
        ]

    def to_dict(self) -> dict[str, object]:
        return chain_json(self)


def current_chain(session: Session, organisation: Organisation, on: date) -> Chain:
    """The chain of the organisation's active cycle (an empty chain, with no gaps, when none is active)."""
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    return cycle_chain(session, cycle, on) if cycle else Chain(None)


def cycle_chain(session: Session, cycle: Cycle, on: date) -> Chain:
    """The chain of `cycle` as it stands on `on` (which decides what a recent value is)."""
    problems = prioritised_problems(session, cycle)
    views: dict[int, IndicatorView] = {}
    organisation = session.get(Organisation, cycle.organisation_id)
    agreed = agreed_targets(session, organisation, on) if organisation else {}
    chain = Chain(cycle, [_problem_link(session, problem, on, views, agreed) for problem in problems])
    chain.indicators = sorted(views.values(), key=lambda v: v.indicator.name)
    chain.gaps = find_gaps(chain)
    return chain


def _problem_link(
    session: Session, problem: Problem, on: date, views: dict[int, IndicatorView], agreed: Mapping[int, Figure]
) -> ProblemLink:
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
    causes = (
        session.exec(select(Cause).where(Cause.analysis_id == analysis.id).order_by(col(Cause.number))).all()
        if analysis
        else []
    )
    numbers = {c.id: c.number for c in causes}
    links = []
    for cause in causes:
        measures = session.exec(select(Measure).where(Measure.cause_id == cause.id).order_by(col(Measure.id))).all()
        links.append(
            CauseLink(
                cause,
                numbers.get(cause.parent_id) if cause.parent_id else None,
                [MeasureLink(m, _indicators_of(session, m, on, views, agreed)) for m in measures],
            )
        )
    return ProblemLink(problem, analysis, links)


def _indicators_of(
    session: Session, measure: Measure, on: date, views: dict[int, IndicatorView], agreed: Mapping[int, Figure]
) -> list[IndicatorView]:
    indicators = session.exec(
        select(Indicator)
        .join(MeasureIndicator, col(MeasureIndicator.indicator_id) == Indicator.id)
        .where(MeasureIndicator.measure_id == measure.id)
        .order_by(col(Indicator.name))
    ).all()
    for indicator in indicators:
        if saved_id(indicator) not in views:
            views[saved_id(indicator)] = indicator_view(session, indicator, on, agreed)
    return [views[saved_id(i)] for i in indicators]


def find_gaps(chain: Chain) -> list[Gap]:
    """Every gap of the chain, in the chain's order."""
    if chain.cycle is None:
        return []
    if not chain.problems:
        text = f"Cykel {chain.cycle.number} har inga prioriterade problem: kedjan har ingen början."
        return [Gap("inga_prioriterade_problem", text, "kedjan")]
    gaps: list[Gap] = []
    for link in chain.problems:
        gaps += _problem_gaps(link)
    for view in chain.indicators:
        if not view.recent:
            latest = view.latest
            had = f"senaste värdet är från {latest.period}" if latest else "inget värde är registrerat"
            text = f"Indikatorn ”{view.indicator.name}” har inget aktuellt mätvärde ({had})."
            gaps.append(Gap("indikator_utan_varde", text, f"indikator-{view.indicator.id}"))
    return gaps


def _problem_gaps(link: ProblemLink) -> list[Gap]:
    problem = link.problem
    named = f"”{problem.title}”" + (f" (prioritet {problem.rank})" if problem.rank else "")
    anchor = f"problem-{problem.id}"
    if not link.causes:
        return [Gap("problem_utan_analys", f"Det prioriterade problemet {named} saknar orsaksanalys.", anchor)]
    gaps = []
    if link.analysis is not None and link.analysis.completed_at is None:
        gaps.append(Gap("analys_ej_klar", f"Orsaksanalysen av {named} är inte slutförd.", anchor))
    for cause_link in link.causes:
        cause = cause_link.cause
        live = [m for m in cause_link.measures if not m.cancelled]
        if not live:
            text = f"Orsak {cause.number} till {named} (”{cause.description}”) har ingen åtgärd."
            gaps.append(Gap("orsak_utan_atgard", text, f"orsak-{cause.id}"))
        for measure_link in live:
            gaps += _measure_gaps(measure_link)
    return gaps


def _measure_gaps(link: MeasureLink) -> list[Gap]:
    measure = link.measure
    anchor = f"atgard-{measure.id}"
    gaps = []
    if not link.indicators:
        text = f"Åtgärden ”{measure.title}” har ingen indikator som visar dess effekt."
        gaps.append(Gap("atgard_utan_indikator", text, anchor))
    if not (measure.follow_up or "").strip():
        gaps.append(Gap("atgard_utan_uppfoljning", f"Åtgärden ”{measure.title}” saknar uppföljning.", anchor))
    return gaps


def measures_by_status(chain: Chain) -> BarChart:
    """The chain's åtgärder by status, as the small bar chart pages and packets place."""
    counts = Counter(m.status_key for p in chain.problems for c in p.causes for m in c.measures)
    known = [*(str(s) for s in MeasureStatus), str(MeasureState.CANCELLED)]
    statuses = known + sorted(set(counts) - set(known))
    rows = [(label(s), counts.get(s, 0), STATUS_COLOURS.get(s, "#546e7a")) for s in statuses]
    return bar_chart("atgarder-per-status", "Åtgärder per status", rows)


def chain_json(chain: Chain) -> dict[str, object]:
    """The chain as plain JSON (the API's answer)."""
    return {
        "cykel": chain.cycle.number if chain.cycle else None,
        "problem": [_problem_json(link) for link in chain.problems],
        "luckor": [{"typ": g.kind, "rubrik": g.heading, "text": g.text, "ankare": g.anchor} for g in chain.gaps],
    }


def _problem_json(link: ProblemLink) -> dict[str, object]:
    return {
        "id": link.problem.id,
        "rubrik": link.problem.title,
        "prioritet": link.problem.rank,
        "analys_klar": link.analysis is not None and link.analysis.completed_at is not None,
        "orsaker": [
            {
                "id": c.cause.id,
                "nummer": c.cause.number,
                "perspektiv": str(c.cause.perspective),
                "direkt": c.cause.direct,
                "bakomliggande_orsak": c.parent_number,
                "beskrivning": c.cause.description,
                "atgarder": [_measure_json(m) for m in c.measures],
            }
            for c in link.causes
        ],
    }


def _measure_json(link: MeasureLink) -> dict[str, object]:
    m = link.measure
    return {
        "id": m.id,
        "rubrik": m.title,
        "status": link.status_key,
        "genomfort_procent": m.progress_pct,
        "klart_senast": m.due_on.isoformat(),
        "uppfoljning": m.follow_up,
        "indikatorer": [indicator_json(v) for v in link.indicators],
    }


def indicator_json(view: IndicatorView) -> dict[str, object]:
    i, latest = view.indicator, view.latest
    return {
        "id": i.id,
        "nyckel": i.key,
        "namn": i.name,
        "enhet": i.unit,
        "senaste": None
        if latest is None
        else {"period": latest.period, "varde": latest.value, "preliminart": latest.preliminary},
        "aktuellt": view.recent,
        "mal": view.target.value,
        "malar": view.target.year,
        "bedomning": view.verdict,
        "bedomning_text": view.verdict_text,
    }
