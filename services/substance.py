"""Substance, not ticks: prioritised problems, their orsaksanalys (causes), and åtgärder that act on causes."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import utcnow
from samverkan.models import Cause, CauseAnalysis, Cycle, Measure, Organisation, Problem
from samverkan.models.enums import CausePerspective, CycleStatus, MeasureState, Related
from samverkan.notifications.owed import stop_unowed
from samverkan.orgconfig.categories import Vocabulary
from samverkan.process.requirements import MeasureFacts, ProblemFacts
from samverkan.services.access import COORDINATING, require_function, roles_with_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import ConflictError, NotFoundError, RefusedError
from samverkan.services.inputs import AddCause, AddMeasure, AddProblem, CompleteAnalysis, Prioritise, UpdateMeasure
from samverkan.services.lifecycle import move
from samverkan.services.measure_links import chosen_indicators, link_indicators
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data
from samverkan.services.triangle import gaps

PERSPECTIVES_SV = {
    CausePerspective.VICTIM: "brottsutsatt",
    CausePerspective.OFFENDER: "gärningsperson",
    CausePerspective.PLACE: "plats/objekt",
    CausePerspective.SITUATION: "situation",
}


def active_cycle(session: Session, organisation: Organisation) -> Cycle:
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    if cycle is None:
        raise RefusedError(f"{organisation.name} har ingen pågående cykel; starta en med 'samverkan cycle start'")
    return cycle


def problem_in_cycle(session: Session, cycle: Cycle, problem_id: int) -> Problem:
    """The problem with this number in the cycle (NotFoundError otherwise)."""
    problem = session.get(Problem, problem_id)
    if problem is None or problem.cycle_id != cycle.id:
        raise NotFoundError(f"problem nr {problem_id} finns inte i den pågående cykeln")
    return problem


def add_problem(session: Session, actor: Actor, given: AddProblem) -> Problem:
    """A problem of the joint lägesbild: title, description, area (geography), category and period."""
    org_key, title, description = actor.org_key, given.title, given.description
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "lägga till problem")
    if not title.strip():
        raise RefusedError("problemet behöver en rubrik")
    if given.period_from and given.period_to and given.period_from > given.period_to:
        raise RefusedError(f"perioden börjar ({given.period_from}) efter att den slutar ({given.period_to})")
    no_personal_data(rubrik=title, beskrivning=description, omrade=given.area, kategori=given.category)
    problem = Problem(
        cycle_id=saved_id(active_cycle(session, organisation)),
        title=title.strip(),
        description=(description or "").strip() or None,
        area=(given.area or "").strip() or None,
        category=Vocabulary.from_settings(organisation.settings).shown(given.category or "") or None,
        period_from=given.period_from,
        period_to=given.period_to,
    )
    session.add(problem)
    audit(session, acting, organisation.id, "problem.add", problem, after={"title": problem.title})
    return problem


def prioritise(session: Session, actor: Actor, given: Prioritise) -> Problem:
    """Change one problem's priority outside the deciding body's prioritisation decision (the whole ranking is
    recorded by services/prioritisation.py). The problem leaves that decision: it counts as not decided until a
    new prioritisation is recorded."""
    org_key = actor.org_key
    problem_id, rank, rationale, prioritised = given.problem_id, given.rank, given.rationale, given.prioritised
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "prioritera problem")
    problem = problem_in_cycle(session, active_cycle(session, organisation), problem_id)
    no_personal_data(motivering=rationale)
    before = {"prioritised": problem.prioritised, "rank": problem.rank, "decision_id": problem.decision_id}
    problem.prioritised, problem.rank, problem.rationale = prioritised, rank if prioritised else None, rationale
    problem.decision_id = None
    session.add(problem)
    audit(
        session,
        acting,
        organisation.id,
        "problem.prioritise",
        problem,
        key=problem.title,
        before=before,
        after={"prioritised": prioritised, "rank": problem.rank},
    )
    return problem


def add_cause(session: Session, actor: Actor, given: AddCause) -> Cause:
    """Add a probable cause to the orsaksanalys of a prioritised problem (created on first use)."""
    org_key, problem_id = actor.org_key, given.problem_id
    perspective, direct, description, parent = given.perspective, given.direct, given.description, given.parent
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "arbeta med orsaksanalysen")
    problem = problem_in_cycle(session, active_cycle(session, organisation), problem_id)
    if not problem.prioritised:
        raise RefusedError(f"'{problem.title}' är inte prioriterat; orsaksanalyser görs för prioriterade problem")
    if not description.strip():
        raise RefusedError("orsaken behöver en beskrivning")
    no_personal_data(orsak=description, kallor=given.sources)
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
    if analysis is None:
        analysis = CauseAnalysis(problem_id=saved_id(problem))
        session.add(analysis)
        session.flush()
    parent_id = None
    if parent is not None:
        parent_cause = session.exec(
            select(Cause).where(Cause.analysis_id == analysis.id, Cause.number == parent)
        ).first()
        if parent_cause is None:
            raise NotFoundError(f"orsak nr {parent} finns inte i analysen av '{problem.title}'")
        parent_id = parent_cause.id
        direct = False  # a cause that lies behind another is an indirect one
    number = (session.exec(select(func.max(Cause.number)).where(Cause.analysis_id == analysis.id)).one() or 0) + 1
    cause = Cause(
        analysis_id=saved_id(analysis),
        number=number,
        perspective=perspective,
        direct=direct,
        parent_id=parent_id,
        description=description.strip(),
        sources=given.sources.strip() if given.sources and given.sources.strip() else None,
    )
    try:
        with session.begin_nested():  # two causes added at once would take the same number: one is refused
            session.add(cause)
    except IntegrityError:
        raise ConflictError(
            f"någon annan lade just till orsak nr {number} i analysen av '{problem.title}'; försök igen"
        ) from None
    audit(
        session,
        acting,
        organisation.id,
        "cause.add",
        cause,
        key=f"{problem.title}#{number}",
        after={"perspective": perspective, "direct": direct, "description": cause.description},
    )
    return cause


def complete_analysis(session: Session, actor: Actor, given: CompleteAnalysis) -> CauseAnalysis:
    org_key, problem_id = actor.org_key, given.problem_id
    summary, sources_used, sources_excluded = given.summary, given.sources_used, given.sources_excluded
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "slutföra orsaksanalysen")
    problem = problem_in_cycle(session, active_cycle(session, organisation), problem_id)
    no_personal_data(sammanfattning=summary, kallor=sources_used, bortvalda_kallor=sources_excluded)
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
    causes = (
        0
        if analysis is None
        else session.exec(select(func.count()).select_from(Cause).where(Cause.analysis_id == analysis.id)).one()
    )
    if analysis is None or causes == 0:
        raise RefusedError(f"orsaksanalysen av '{problem.title}' kan inte vara klar utan minst en orsak")
    missing = gaps(session, analysis.id)
    if missing:
        raise RefusedError(f"Orsaksanalysen av '{problem.title}' kan inte slutföras. Det saknas:", missing)
    analysis.completed_at, analysis.summary = utcnow(), summary
    analysis.sources_used, analysis.sources_excluded = sources_used, sources_excluded
    session.add(analysis)
    audit(
        session,
        acting,
        organisation.id,
        "analysis.complete",
        analysis,
        key=problem.title,
        after={"causes": causes},
    )
    return analysis


def add_measure(session: Session, actor: Actor, given: AddMeasure) -> Measure:
    """An åtgärd, created from the cause it acts on. Refused without that cause, an owner, a deadline and how it
    is followed up; the indicators that will show its effect are chosen among the organisation's own."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "lägga till åtgärder")
    cycle = active_cycle(session, organisation)
    cause = session.get(Cause, given.cause_id) if given.cause_id is not None else None
    missing = _measure_missing(session, organisation, cycle, actor, given, cause)
    if missing or cause is None or given.due_on is None:
        raise RefusedError("Åtgärden kan inte läggas till. Det saknas:", missing)
    no_personal_data(
        rubrik=given.title,
        uppfoljning=given.follow_up,
        operativt_mal=given.operational_goal,
        arbetsgrupp=given.arbetsgrupp,
    )
    indicators = chosen_indicators(session, organisation, given.indicator_ids)
    measure = Measure(
        cycle_id=saved_id(cycle),
        cause_id=saved_id(cause),
        title=given.title.strip(),
        owner_role_key=given.owner,
        due_on=given.due_on,
        follow_up=given.follow_up.strip(),
        operational_goal=given.operational_goal,
        short_term=given.short_term,
        arbetsgrupp=given.arbetsgrupp,
        planned_hours=given.planned_hours,
        planned_cost_sek=given.planned_cost_sek,
    )
    session.add(measure)
    session.flush()
    link_indicators(session, measure, indicators)
    audit(
        session,
        acting,
        organisation.id,
        "measure.add",
        measure,
        key=measure.title,
        after={
            "cause_id": given.cause_id,
            "owner": given.owner,
            "due_on": given.due_on,
            "follow_up": measure.follow_up,
            "indicators": [i.key for i in indicators],
        },
    )
    return measure


def _measure_missing(
    session: Session, organisation: Organisation, cycle: Cycle, actor: Actor, given: AddMeasure, cause: Cause | None
) -> list[str]:
    """What a new åtgärd lacks, in Swedish."""
    missing = []
    if given.cause_id is None:
        missing.append("vilken orsak åtgärden verkar på (en åtgärd utan orsak följs inte upp mot problemet)")
    elif cause is None or _cycle_of_cause(session, cause) != cycle.id:
        missing.append(f"orsak nr {given.cause_id} finns inte i den pågående cykelns orsaksanalyser")
    if not given.title.strip():
        missing.append("en rubrik")
    if not given.owner or not roles_with_function(session, organisation, given.owner):
        missing.append(f"en ansvarig roll som finns i {organisation.name} (fick '{given.owner}')")
    if given.due_on is None:
        missing.append("ett slutdatum")
    elif given.due_on < actor.on:
        missing.append(f"ett slutdatum som inte redan passerat (fick {given.due_on})")
    if not given.follow_up.strip():
        missing.append("hur åtgärden ska följas upp")
    return missing


def update_measure(session: Session, actor: Actor, given: UpdateMeasure) -> Measure:
    """Report status (grön/gul/röd) and progress. The owning role or the coordinating roles may."""
    org_key = actor.org_key
    measure_id, status, progress_pct = given.measure_id, given.status, given.progress_pct
    hours_spent, cost_sek = given.hours_spent, given.cost_sek
    organisation = find_organisation(session, org_key)
    measure = session.get(Measure, measure_id)
    cycle = active_cycle(session, organisation)
    if measure is None or measure.cycle_id != cycle.id:
        raise NotFoundError(f"åtgärd nr {measure_id} finns inte i den pågående cykeln")
    if measure.is_cancelled():
        raise RefusedError(f"åtgärden '{measure.title}' är avbruten genom beslut och rapporteras inte längre")
    acting = require_function(
        session,
        organisation,
        actor,
        (measure.owner_role_key, *COORDINATING),
        f"rapportera om åtgärden '{measure.title}'",
        previous=[measure],
    )
    if progress_pct is not None and not 0 <= progress_pct <= 100:
        raise RefusedError(f"genomförandegraden ska vara 0–100 %, inte {progress_pct}")
    before = {"status": measure.status, "progress_pct": measure.progress_pct}
    if status is not None:
        move(measure, status, f"åtgärden '{measure.title}'")
    if progress_pct is not None:
        measure.progress_pct = progress_pct
    if hours_spent is not None:
        measure.hours_spent = hours_spent
    if cost_sek is not None:
        measure.cost_sek = cost_sek
    session.add(measure)
    stop_unowed(session, Related.MEASURE, measure_id)
    audit(
        session,
        acting,
        organisation.id,
        "measure.update",
        measure,
        key=measure.title,
        before=before,
        after={"status": measure.status, "progress_pct": measure.progress_pct},
    )
    return measure


def _cycle_of_cause(session: Session, cause: Cause) -> int | None:
    return session.exec(
        select(Problem.cycle_id)
        .join(CauseAnalysis, col(CauseAnalysis.problem_id) == Problem.id)
        .where(CauseAnalysis.id == cause.analysis_id)
    ).first()


def problem_facts(session: Session, cycle: Cycle) -> list[ProblemFacts]:
    facts = []
    for problem in session.exec(select(Problem).where(Problem.cycle_id == cycle.id).order_by(col(Problem.id))).all():
        analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
        causes = measures = 0
        if analysis is not None:
            cause_ids = session.exec(select(Cause.id).where(Cause.analysis_id == analysis.id)).all()
            causes = len(cause_ids)
            if cause_ids:
                measures = session.exec(
                    select(func.count())
                    .select_from(Measure)
                    .where(col(Measure.cause_id).in_(cause_ids), Measure.state == MeasureState.ACTIVE)
                ).one()
        facts.append(
            ProblemFacts(
                problem.title,
                problem.prioritised,
                causes,
                analysis is not None and analysis.completed_at is not None,
                measures,
            )
        )
    return facts


def measure_facts(session: Session, cycle: Cycle) -> list[MeasureFacts]:
    return [
        MeasureFacts(m.title, m.progress_pct)
        for m in session.exec(select(Measure).where(Measure.cycle_id == cycle.id).order_by(col(Measure.id))).all()
        if not m.is_cancelled()  # a cancelled åtgärd was decided away, not left undone
    ]
