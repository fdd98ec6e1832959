"""The facts the exit criteria are judged on (process/requirements.py), read from what the system holds.

One function per fact; `cycle_facts` puts them together. Nothing here is a tick: each fact comes from the rows
that are the thing itself (the prioritisation decision, the causes, the signatures, the measurements).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from samverkan.core.ids import saved_id
from samverkan.models import (
    Agreement,
    Body,
    Cause,
    CauseAnalysis,
    ChecklistItem,
    CitizenPromise,
    Cycle,
    Decision,
    Indicator,
    IndicatorFollowUp,
    Measure,
    MeasureIndicator,
    Measurement,
    Organisation,
    Phase,
    Problem,
    Signature,
)
from samverkan.models.enums import AgreementStatus
from samverkan.process.requirements import (
    CycleFacts,
    DecisionFacts,
    IndicatorFacts,
    MeasureFacts,
    ProblemFacts,
    SigningFacts,
)
from samverkan.services.agreements import latest_agreement, latest_promises, signing_facts
from samverkan.services.bodies import active_bodies
from samverkan.services.evidence import cycle_start_day, deciding_body_kind
from samverkan.services.pinning import definition_of

PRIORITISATION_KIND = "prioritering"


def cycle_facts(session: Session, organisation: Organisation, cycle: Cycle) -> CycleFacts:
    kind, body = prioritising_body(session, organisation, cycle)
    agreement = latest_agreement(session, organisation)
    return CycleFacts(
        number=cycle.number,
        started_at=cycle.started_at,
        problems=problem_facts(session, cycle),
        measures=measure_facts(session, cycle),
        agreement=agreement_facts(session, organisation, cycle, agreement) if agreement else None,
        promises=[promise_facts(session, organisation, cycle, p) for p in latest_promises(session, agreement)]
        if agreement
        else [],
        prioritisation=prioritisation_decision(session, organisation, cycle),
        prioritising_body_kind=kind,
        prioritising_body=body,
        indicators=indicator_facts(session, cycle),
    )


# -- lägesbild --------------------------------------------------------------------------------------


def prioritising_body(session: Session, organisation: Organisation, cycle: Cycle) -> tuple[str | None, str | None]:
    """The kind of body the process names for the prioritisation, and its name(s) in this organisation."""
    row = session.exec(
        select(Phase, ChecklistItem)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(Phase.cycle_id == cycle.id, ChecklistItem.requirement == "problems_prioritised")
    ).first()
    if row is None:
        return None, None
    kind = deciding_body_kind(definition_of(session, cycle), row[0], row[1])
    if kind is None:
        return None, None
    names = [body.name for body in active_bodies(session, organisation, kind)]
    return kind.value, " eller ".join(names) or None


def prioritisation_decision(session: Session, organisation: Organisation, cycle: Cycle) -> DecisionFacts | None:
    """The latest decision prioritising the problems, taken in this cycle (by its cycle, else by its date)."""
    in_cycle = col(Decision.cycle_id) == cycle.id
    dated_in_cycle = col(Decision.cycle_id).is_(None) & (col(Decision.decided_on) >= cycle_start_day(cycle))
    decision = session.exec(
        select(Decision)
        .where(Decision.organisation_id == organisation.id, Decision.kind == PRIORITISATION_KIND)
        .where(in_cycle | dated_in_cycle)
        .order_by(col(Decision.number).desc())
    ).first()
    return decision_facts(session, decision) if decision else None


def decision_facts(session: Session, decision: Decision) -> DecisionFacts:
    body = session.get(Body, decision.body_id) if decision.body_id else None
    return DecisionFacts(
        decision.number,
        body.name if body else "inget organ",
        body.kind if body else None,
        decision.decided_on,
        decision.created_at,
    )


def _ids(session: Session, query: Any) -> list[int]:
    return [row for row in session.exec(query).all() if row is not None]


def _with_indicator(session: Session, measure_ids: list[int]) -> int:
    if not measure_ids:
        return 0
    return session.exec(
        select(func.count(func.distinct(MeasureIndicator.measure_id))).where(
            col(MeasureIndicator.measure_id).in_(measure_ids)
        )
    ).one()


def problem_facts(session: Session, cycle: Cycle) -> list[ProblemFacts]:
    facts = []
    for problem in session.exec(select(Problem).where(Problem.cycle_id == cycle.id).order_by(col(Problem.id))).all():
        analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
        causes = _ids(session, select(Cause.id).where(Cause.analysis_id == analysis.id)) if analysis else []
        measures = _ids(session, select(Measure.id).where(col(Measure.cause_id).in_(causes))) if causes else []
        facts.append(
            ProblemFacts(
                problem.title,
                problem.prioritised,
                len(causes),
                analysis is not None and analysis.completed_at is not None,
                len(measures),
                _with_indicator(session, measures),
                (),
                problem.created_at,
            )
        )
    return facts


def measure_facts(session: Session, cycle: Cycle) -> list[MeasureFacts]:
    return [
        MeasureFacts(m.title, m.progress_pct)
        for m in session.exec(select(Measure).where(Measure.cycle_id == cycle.id).order_by(col(Measure.id))).all()
    ]


# -- agreement and medborgarlöften ------------------------------------------------------------------


def _content_missing(agreement: Agreement) -> tuple[str, ...]:
    parts = {
        "prioriterade problem": agreement.problems,
        "mätbara mål": agreement.goals,
        "hur arbetet dokumenteras": agreement.documentation,
        "hur arbetet följs upp": agreement.follow_up,
    }
    return tuple(name for name, text in parts.items() if not (text or "").strip())


def _signed_at(session: Session, kind: str, subject_id: int | None) -> list[datetime]:
    return list(
        session.exec(
            select(Signature.signed_at).where(Signature.subject_type == kind, Signature.subject_id == subject_id)
        ).all()
    )


def _for_this_cycle(cycle: Cycle, signed: list[datetime]) -> str | None:
    """Why the signatures do not count for this cycle: some were made before the cycle started."""
    early = [moment for moment in signed if moment < cycle.started_at]
    if not early:
        return None
    return (
        f"underskriven {min(early):%Y-%m-%d}, före cykel {cycle.number} startade; "
        "en ny version behöver undertecknas för den här cykeln"
    )


def agreement_facts(session: Session, organisation: Organisation, cycle: Cycle, agreement: Agreement) -> SigningFacts:
    signing = signing_facts(session, organisation, agreement)
    signed = _signed_at(session, "agreement", agreement.id)
    complete = agreement.status == AgreementStatus.SIGNED and not signing.missing_parties
    return SigningFacts(
        signing.title,
        signing.status,
        signing.missing_parties,
        _content_missing(agreement),
        max(signed) if complete and signed else None,
        None,
        _for_this_cycle(cycle, signed) if complete else None,
    )


def promise_facts(session: Session, organisation: Organisation, cycle: Cycle, promise: CitizenPromise) -> SigningFacts:
    signing = signing_facts(session, organisation, promise)
    signed = _signed_at(session, "citizen_promise", promise.id)
    complete = promise.status == AgreementStatus.SIGNED and not signing.missing_parties
    return SigningFacts(
        signing.title,
        signing.status,
        signing.missing_parties,
        () if (promise.text or "").strip() else ("löftets text",),
        max(signed) if complete and signed else None,
        promise.communicated_on,
        _for_this_cycle(cycle, signed) if complete else None,
    )


# -- the yearly follow-up ---------------------------------------------------------------------------


def followed_indicators(session: Session, cycle: Cycle) -> list[Indicator]:
    """The indicators the cycle's åtgärder rely on to show their effect."""
    return list(
        session.exec(
            select(Indicator)
            .join(MeasureIndicator, col(MeasureIndicator.indicator_id) == Indicator.id)
            .join(Measure, col(Measure.id) == MeasureIndicator.measure_id)
            .where(Measure.cycle_id == cycle.id)
            .distinct()
            .order_by(col(Indicator.name))
        ).all()
    )


def has_value_in_cycle(session: Session, cycle: Cycle, indicator: Indicator) -> bool:
    """A measurement for a period in the cycle's years (a period is '2027', '2027-Q1' or '2027-03')."""
    first_year = cycle_start_day(cycle).year
    periods = session.exec(select(Measurement.period).where(Measurement.indicator_id == indicator.id)).all()
    return any(period[:4].isdigit() and int(period[:4]) >= first_year for period in periods)


def indicator_facts(session: Session, cycle: Cycle) -> list[IndicatorFacts]:
    reasons = {
        row.indicator_id: row.reason
        for row in session.exec(select(IndicatorFollowUp).where(IndicatorFollowUp.cycle_id == cycle.id)).all()
    }
    return [
        IndicatorFacts(indicator.name, has_value_in_cycle(session, cycle, indicator), reasons.get(saved_id(indicator)))
        for indicator in followed_indicators(session, cycle)
    ]
