"""The facts the exit criteria are judged on (process/requirements.py), read from what the system holds.

One function per fact; `cycle_facts` puts them together. Nothing here is a tick: each fact comes from the rows
that are the thing itself (the prioritisation decision, the causes, the signatures, the measurements).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.models import (
    AgreementGoal,
    Body,
    ChecklistItem,
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
)
from samverkan.models.enums import MeasureState
from samverkan.process.requirements import (
    CycleFacts,
    DecisionFacts,
    IndicatorFacts,
    MeasureFacts,
    ProblemFacts,
    SigningFacts,
)
from samverkan.services.agreement_content import AgreementState, agreement_of_cycle, agreement_state
from samverkan.services.atgardsplan import coverage
from samverkan.services.bodies import active_bodies
from samverkan.services.evidence import cycle_start_day, deciding_body_kind
from samverkan.services.orsaksanalys import analysis_state
from samverkan.services.pinning import definition_of
from samverkan.services.prioritisation import prioritisation_of
from samverkan.services.promises import PromiseState, promise_state

# what orsaksanalys.analysis_state lists that the requirement says in its own words
_SAID_OTHERWISE = ("minst en orsak", "att analysen markeras som klar")


def cycle_facts(session: Session, organisation: Organisation, cycle: Cycle) -> CycleFacts:
    kind, body = prioritising_body(session, organisation, cycle)
    decision, later = prioritisation_facts(session, cycle)
    agreement = agreement_state(session, cycle)
    return CycleFacts(
        number=cycle.number,
        problems=problem_facts(session, cycle),
        measures=measure_facts(session, cycle),
        agreement=agreement_facts(cycle, agreement) if agreement.agreement else None,
        promises=[promise_facts(state) for state in promise_state(session, cycle, cycle_start_day(cycle))],
        prioritisation=decision,
        prioritising_body_kind=kind,
        prioritising_body=body,
        not_in_prioritisation=later,
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


def prioritisation_facts(session: Session, cycle: Cycle) -> tuple[DecisionFacts | None, tuple[str, ...]]:
    """The prioritisation in force (services/prioritisation.py) as a decision, and the problems it does not cover
    because they came, or were re-ranked, after it."""
    view = prioritisation_of(session, cycle)
    decision = session.get(Decision, view.decision_id) if view else None
    if view is None or decision is None:
        return None, ()
    return decision_facts(session, decision), tuple(problem.title for problem in view.undecided)


def decision_facts(session: Session, decision: Decision) -> DecisionFacts:
    body = session.get(Body, decision.body_id) if decision.body_id else None
    return DecisionFacts(
        decision.number,
        body.name if body else "inget organ",
        body.kind if body else None,
        decision.decided_on,
        decision.created_at,
    )


def problem_facts(session: Session, cycle: Cycle) -> list[ProblemFacts]:
    """Each problem of the cycle with its orsaksanalys (services/orsaksanalys.py) and its coverage by åtgärder
    with an indicator (services/atgardsplan.py)."""
    covered = {c.problem_id: c for c in coverage(session, cycle).problems}
    facts = []
    for problem in session.exec(select(Problem).where(Problem.cycle_id == cycle.id).order_by(col(Problem.id))).all():
        state = analysis_state(session, problem)
        plan = covered.get(saved_id(problem))
        facts.append(
            ProblemFacts(
                problem.title,
                problem.prioritised,
                state.causes,
                state.completed,
                plan.measures if plan else 0,
                plan.with_indicator if plan else 0,
                tuple(gap for gap in state.missing if gap not in _SAID_OTHERWISE),
            )
        )
    return facts


def measure_facts(session: Session, cycle: Cycle) -> list[MeasureFacts]:
    return [
        MeasureFacts(m.title, m.progress_pct, m.state == MeasureState.CANCELLED)
        for m in session.exec(select(Measure).where(Measure.cycle_id == cycle.id).order_by(col(Measure.id))).all()
    ]


# -- agreement and medborgarlöften (services/agreement_content.py, services/promises.py) ---------------


def agreement_facts(cycle: Cycle, state: AgreementState) -> SigningFacts:
    agreement = state.agreement
    assert agreement is not None
    mismatch = None if state.adopted_in_cycle else f"innehållet är inte antaget i cykel {cycle.number}"
    return SigningFacts(
        agreement.title,
        agreement.status,
        tuple(state.missing_parties),
        tuple(state.missing_content),
        not state.signed or state.changed_since_signing,
        True,
        mismatch,
        tuple(state.uncovered_problems),
    )


def promise_facts(state: PromiseState) -> SigningFacts:
    return SigningFacts(
        state.promise.title,
        state.promise.status,
        tuple(state.missing_parties),
        tuple(state.missing_content),
        not state.signed or state.changed_since_signing,
        state.communicated,
    )


# -- the yearly follow-up ---------------------------------------------------------------------------


def followed_indicators(session: Session, cycle: Cycle) -> list[Indicator]:
    """The indicators the cycle relies on to show effect: those of its åtgärder (not cancelled) and of the
    measurable goals of its agreement."""
    by_measure = select(MeasureIndicator.indicator_id).join(Measure, col(Measure.id) == MeasureIndicator.measure_id)
    ids = set(session.exec(by_measure.where(Measure.cycle_id == cycle.id, Measure.state == MeasureState.ACTIVE)))
    agreement = agreement_of_cycle(session, cycle)
    if agreement is not None:
        ids |= set(session.exec(select(AgreementGoal.indicator_id).where(AgreementGoal.agreement_id == agreement.id)))
    if not ids:
        return []
    return list(session.exec(select(Indicator).where(col(Indicator.id).in_(ids)).order_by(col(Indicator.name))))


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
