"""The prioritisation of the lägesbild's problems as ONE decision of the body the process definition names:
every problem of the cycle ranked (ranks unique) or deprioritised with its reason, the decision dated and kept
with the cycle. `prioritisation_of` is what the exit criteria and the pages read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import local
from samverkan.models import Body, Cycle, Decision, Organisation, Person, Problem
from samverkan.services.actor import Actor
from samverkan.services.agreements import record_decision
from samverkan.services.audit import audit
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import RankEntry, RecordDecision, RecordPrioritisation
from samverkan.services.lagesbild import (
    PRIORITISATION_KIND,
    cycle_problems,
    deciding_body,
    prioritisation_phase,
)
from samverkan.services.overview import find_organisation
from samverkan.services.substance import active_cycle

DECISION_TEXT_MAX = 20000


@dataclass(frozen=True)
class RankedProblem:
    id: int
    title: str
    rank: int | None
    reason: str | None


@dataclass(frozen=True)
class PrioritisationView:
    """The deciding body's prioritisation: the decision, the ranked problems (by rank) and the deprioritised
    ones with their reasons; `undecided` are the cycle's problems added after the decision (not covered by it)."""

    decision_id: int
    body_key: str | None
    body_name: str | None
    decided_on: str
    diarienummer: str | None
    title: str
    recorded_by: str | None
    ranked: list[RankedProblem] = field(default_factory=list)
    deprioritised: list[RankedProblem] = field(default_factory=list)
    undecided: list[RankedProblem] = field(default_factory=list)


def record_prioritisation(session: Session, actor: Actor, given: RecordPrioritisation) -> PrioritisationView:
    """Record the prioritisation as one decision; refused, with every problem listed, unless every problem of
    the cycle is ranked or deprioritised with a reason, once each, with unique ranks and at least one ranked."""
    organisation = find_organisation(session, actor.org_key)
    cycle = active_cycle(session, organisation)
    body = deciding_body(session, organisation, cycle, given.body_key)
    problems = {saved_id(p): p for p in cycle_problems(session, cycle)}
    _check_ranking(problems, given.ranking)
    decided_on = given.decided_on or actor.on
    started = local(cycle.started_at).date()
    if decided_on > actor.on or decided_on < started:
        raise RefusedError(f"beslutsdatumet {decided_on} ska ligga mellan cykelns start {started} och i dag {actor.on}")
    entries = sorted(given.ranking, key=lambda e: (e.rank is None, e.rank or 0, e.problem_id))
    decision = record_decision(
        session,
        actor,
        RecordDecision(
            body_key=body.key,
            kind=PRIORITISATION_KIND,
            title=f"Prioritering av problemen i den gemensamma lägesbilden, cykel {cycle.number}",
            text=_decision_text(body, entries, problems),
            decided_on=decided_on,
            diarienummer=given.diarienummer,
        ),
    )
    phase = prioritisation_phase(session, cycle)
    decision.cycle_id, decision.phase_id = cycle.id, phase.id if phase else None
    session.add(decision)
    session.flush()
    for entry in entries:
        _apply(session, problems[entry.problem_id], entry, saved_id(decision))
    audit(
        session, actor.email, organisation.id, "problem.prioritisation", decision, key=body.key,
        after={"ranked": [(e.problem_id, e.rank) for e in entries if e.rank], "decided_on": decided_on}, on=actor.on,
    )  # fmt: skip
    view = prioritisation_of(session, cycle)
    assert view is not None  # just recorded
    return view


def _check_ranking(problems: dict[int, Problem], ranking: list[RankEntry]) -> None:
    counted = Counter(e.problem_id for e in ranking)
    ranks = Counter(e.rank for e in ranking if e.rank is not None)
    wrong = [f"problem nr {n} finns inte i den pågående cykeln" for n in counted if n not in problems]
    wrong += [
        f"problem nr {n} ('{problems[n].title}') förekommer {c} gånger"
        for n, c in counted.items()
        if c > 1 and n in problems
    ]
    wrong += [
        f"problem nr {n} ('{p.title}') saknas: ge det en prioritet eller bortprioritera det med skäl"
        for n, p in problems.items()
        if n not in counted
    ]
    wrong += [f"prioritet {r} är given {c} problem; varje prioritet ska vara unik" for r, c in ranks.items() if c > 1]
    wrong += [
        f"problem nr {e.problem_id} är bortprioriterat utan skäl"
        for e in ranking
        if e.rank is None and not (e.reason or "").strip()
    ]
    if not ranks:
        wrong.append("minst ett problem ska prioriteras")
    if wrong:
        raise RefusedError("Prioriteringen kan inte protokollföras:", wrong)


def _decision_text(body: Body, entries: list[RankEntry], problems: dict[int, Problem]) -> str:
    lines = [f"{body.name} prioriterar problemen i den gemensamma lägesbilden i denna ordning:"]
    lines += [f"{e.rank}. {problems[e.problem_id].title}" for e in entries if e.rank is not None]
    dropped = [e for e in entries if e.rank is None]
    if dropped:
        lines += ["", "Bortprioriterade problem, med skäl:"]
        lines += [f"– {problems[e.problem_id].title}: {(e.reason or '').strip()}" for e in dropped]
    text = "\n".join(lines)
    return text if len(text) <= DECISION_TEXT_MAX else text[: DECISION_TEXT_MAX - 1] + "…"


def _apply(session: Session, problem: Problem, entry: RankEntry, decision_id: int) -> None:
    problem.prioritised = entry.rank is not None
    problem.rank = entry.rank
    problem.rationale = (entry.reason or "").strip() or None
    problem.decision_id = decision_id
    session.add(problem)


def prioritisation_of(session: Session, cycle: Cycle) -> PrioritisationView | None:
    """The cycle's prioritisation in force (its latest prioritisation decision) and the problems it ranks, or
    None when the deciding body has not prioritised yet. For the exit criterion 'problems prioritised by the
    deciding body': the view names the body, the date, and any problem added after it (`undecided`)."""
    decision = session.exec(
        select(Decision)
        .where(Decision.cycle_id == cycle.id, Decision.kind == PRIORITISATION_KIND)
        .order_by(col(Decision.decided_on).desc(), col(Decision.id).desc())
    ).first()
    if decision is None:
        return None
    body = session.get(Body, decision.body_id) if decision.body_id else None
    recorder = session.get(Person, decision.recorded_by_person_id) if decision.recorded_by_person_id else None
    rows = [(p, RankedProblem(saved_id(p), p.title, p.rank, p.rationale)) for p in cycle_problems(session, cycle)]
    decided = [(p, r) for p, r in rows if p.decision_id == decision.id]
    return PrioritisationView(
        saved_id(decision),
        body.key if body else None,
        body.name if body else None,
        decision.decided_on.isoformat(),
        decision.diarienummer,
        decision.title,
        recorder.name if recorder else None,
        sorted((r for p, r in decided if p.prioritised), key=lambda r: r.rank or 0),
        [r for p, r in decided if not p.prioritised],
        [r for p, r in rows if p.decision_id != decision.id],
    )


def current_prioritisation(session: Session, org_key: str) -> PrioritisationView | None:
    organisation: Organisation = find_organisation(session, org_key)
    return prioritisation_of(session, active_cycle(session, organisation))
