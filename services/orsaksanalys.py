"""The orsaksanalys of each prioritised problem: perspectives judged not relevant, medborgardialoger as records,
and what is read from it — the state of each analysis (`analysis_state`, also for the exit criteria), the causes
as a tree, and the causes one by one for the CLI and the API. Adding causes and completing an analysis are in
services/substance.py (`add_cause`, `complete_analysis`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.labels import label
from samverkan.core.privacy import shown_count
from samverkan.models import Cause, CauseAnalysis, Cycle, Measure, Organisation, Problem
from samverkan.models.analysis import CitizenDialogue, PerspectiveNotRelevant
from samverkan.models.enums import TRIANGLE, CausePerspective
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import NotRelevant, RecordDialogue
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data
from samverkan.services.substance import active_cycle, problem_in_cycle
from samverkan.services.triangle import covered, gaps


def _analysis(session: Session, problem: Problem) -> CauseAnalysis:
    """The problem's analysis, started on first use; only prioritised problems have one."""
    if not problem.prioritised:
        raise RefusedError(f"'{problem.title}' är inte prioriterat; orsaksanalyser görs för prioriterade problem")
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
    if analysis is None:
        analysis = CauseAnalysis(problem_id=saved_id(problem))
        session.add(analysis)
        session.flush()
    return analysis


def mark_not_relevant(session: Session, actor: Actor, given: NotRelevant) -> PerspectiveNotRelevant:
    """Record that a perspective of the problem triangle is not relevant for the problem, and why."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "arbeta med orsaksanalysen")
    problem = problem_in_cycle(session, active_cycle(session, organisation), given.problem_id)
    analysis = _analysis(session, problem)
    reason = given.reason.strip()
    if not reason:
        raise RefusedError(f"ange varför perspektivet {label(given.perspective)} inte är relevant ('eftersom …')")
    no_personal_data(skal=reason)
    if covered(session, analysis.id).get(given.perspective) == "orsak":
        raise RefusedError(f"perspektivet {label(given.perspective)} har redan orsaker i analysen av '{problem.title}'")
    note = session.exec(
        select(PerspectiveNotRelevant).where(
            PerspectiveNotRelevant.analysis_id == analysis.id, PerspectiveNotRelevant.perspective == given.perspective
        )
    ).first()
    before = {"reason": note.reason} if note else None
    note = note or PerspectiveNotRelevant(analysis_id=saved_id(analysis), perspective=given.perspective, reason="")
    note.reason = reason
    session.add(note)
    audit(
        session,
        acting,
        organisation.id,
        "analysis.not_relevant",
        note,
        key=f"{problem.title}/{given.perspective}",
        before=before,
        after={"perspective": given.perspective, "reason": reason},
    )
    return note


def record_dialogue(session: Session, actor: Actor, given: RecordDialogue) -> CitizenDialogue:
    """A medborgardialog behind the analysis: when, in what form, how many took part, what came out."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "registrera medborgardialoger")
    cycle = active_cycle(session, organisation)
    problem = problem_in_cycle(session, cycle, given.problem_id)
    analysis = _analysis(session, problem)
    if given.held_on > actor.on:
        raise RefusedError(f"en medborgardialog registreras när den är hållen (datum {given.held_on} har inte varit)")
    if not given.form.strip() or not given.outcome.strip():
        raise RefusedError("medborgardialogen behöver både form och vad som kom fram")
    no_personal_data(form=given.form, resultat=given.outcome)
    dialogue = CitizenDialogue(
        analysis_id=saved_id(analysis),
        held_on=given.held_on,
        form=given.form.strip(),
        participants=given.participants,
        outcome=given.outcome.strip(),
    )
    session.add(dialogue)
    audit(
        session,
        acting,
        organisation.id,
        "analysis.dialogue",
        dialogue,
        key=problem.title,
        after={"held_on": given.held_on, "form": dialogue.form, "participants": given.participants},
    )
    return dialogue


# -- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisState:
    """Where a problem's orsaksanalys stands: the fact the exit criterion "analysis per prioritised problem" and the
    pages read. `missing` is empty when the analysis is complete and nothing is lacking."""

    problem_id: int
    title: str
    rank: int | None
    prioritised: bool
    started: bool
    completed: bool
    causes: int
    dialogues: int
    perspectives: dict[str, str]  # triangle perspective → 'orsak' or the reason it is not relevant
    missing: list[str]

    @property
    def state(self) -> str:
        return "klar" if self.completed else "pagaende" if self.started else "ej_paborjad"


def analysis_state(session: Session, problem: Problem) -> AnalysisState:
    """The state of the problem's orsaksanalys (for pages, the API and the exit criteria)."""
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
    analysis_id = analysis.id if analysis else None
    causes = len(session.exec(select(Cause.id).where(Cause.analysis_id == analysis_id)).all()) if analysis else 0
    dialogues = (
        len(session.exec(select(CitizenDialogue.id).where(CitizenDialogue.analysis_id == analysis_id)).all())
        if analysis
        else 0
    )
    completed = analysis is not None and analysis.completed_at is not None
    missing = [] if causes else ["minst en orsak"]
    missing += gaps(session, analysis_id)
    if not completed:
        missing.append("att analysen markeras som klar")
    return AnalysisState(
        saved_id(problem),
        problem.title,
        problem.rank,
        problem.prioritised,
        analysis is not None,
        completed,
        causes,
        dialogues,
        {str(p): how for p, how in covered(session, analysis_id).items()},
        missing,
    )


def prioritised_problems(session: Session, cycle: Cycle) -> list[Problem]:
    """The cycle's prioritised problems, by rank."""
    problems = session.exec(select(Problem).where(Problem.cycle_id == cycle.id, col(Problem.prioritised))).all()
    return sorted(problems, key=lambda p: (p.rank is None, p.rank or 0, p.id or 0))


def analysis_overview(session: Session, organisation: Organisation) -> list[AnalysisState]:
    """The state of the analysis of every prioritised problem in the organisation's running cycle."""
    cycle = active_cycle(session, organisation)
    return [analysis_state(session, problem) for problem in prioritised_problems(session, cycle)]


@dataclass
class CauseNode:
    """A cause with the causes that lie behind it (its children) and the åtgärder that act on it."""

    cause: Cause
    children: list[CauseNode] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)


@dataclass(frozen=True)
class DialogueView:
    held_on: str
    form: str
    participants: str  # small counts suppressed
    outcome: str


@dataclass
class AnalysisView:
    """A problem's orsaksanalys as a page shows it: per perspective its tree of causes, or why it is not relevant."""

    problem: Problem
    analysis: CauseAnalysis | None
    state: AnalysisState
    trees: dict[CausePerspective, list[CauseNode]]
    not_relevant: dict[CausePerspective, str]
    dialogues: list[DialogueView]
    causes: list[Cause]


def analysis_view(session: Session, organisation: Organisation, problem_id: int) -> AnalysisView:
    cycle = active_cycle(session, organisation)
    problem = problem_in_cycle(session, cycle, problem_id)
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
    causes = [] if analysis is None else causes_of(session, saved_id(analysis))
    notes = (
        []
        if analysis is None
        else session.exec(select(PerspectiveNotRelevant).where(PerspectiveNotRelevant.analysis_id == analysis.id)).all()
    )
    dialogues = (
        []
        if analysis is None
        else session.exec(
            select(CitizenDialogue)
            .where(CitizenDialogue.analysis_id == analysis.id)
            .order_by(col(CitizenDialogue.held_on))
        ).all()
    )
    return AnalysisView(
        problem,
        analysis,
        analysis_state(session, problem),
        cause_trees(session, causes),
        {CausePerspective(n.perspective): n.reason for n in notes},
        [DialogueView(d.held_on.isoformat(), d.form, shown_count(d.participants), d.outcome) for d in dialogues],
        causes,
    )


def causes_of(session: Session, analysis_id: int) -> list[Cause]:
    return list(session.exec(select(Cause).where(Cause.analysis_id == analysis_id).order_by(col(Cause.number))).all())


def cause_trees(session: Session, causes: list[Cause]) -> dict[CausePerspective, list[CauseNode]]:
    """The causes as trees, by the perspective of each root: an underlying cause sits under the cause it lies
    behind. Every perspective of the triangle is present (perhaps empty); situation only when it has causes."""
    nodes = {saved_id(c): CauseNode(c) for c in causes}
    ids = list(nodes)
    if ids:
        for measure in session.exec(select(Measure).where(col(Measure.cause_id).in_(ids)).order_by(col(Measure.id))):
            nodes[measure.cause_id].measures.append(measure)
    trees: dict[CausePerspective, list[CauseNode]] = {p: [] for p in TRIANGLE}
    for cause in causes:
        node = nodes[saved_id(cause)]
        if cause.parent_id is not None and cause.parent_id in nodes:
            nodes[cause.parent_id].children.append(node)
        else:
            trees.setdefault(CausePerspective(cause.perspective), []).append(node)
    return trees


@dataclass(frozen=True)
class CauseView:
    """One cause, for the CLI and the API: `id` is what an åtgärd is created from."""

    id: int
    number: int
    problem_id: int
    problem: str
    perspective: str
    direct: bool
    underlying_of: int | None  # the number of the cause it lies behind
    description: str
    sources: str | None
    measures: list[str]


def cause_views(session: Session, organisation: Organisation, problem_id: int | None = None) -> list[CauseView]:
    """The causes in the running cycle's analyses (of one problem, if given)."""
    cycle = active_cycle(session, organisation)
    query = (
        select(Cause, Problem)
        .join(CauseAnalysis, col(CauseAnalysis.id) == Cause.analysis_id)
        .join(Problem, col(Problem.id) == CauseAnalysis.problem_id)
        .where(Problem.cycle_id == cycle.id)
        .order_by(col(Problem.id), col(Cause.number))
    )
    if problem_id is not None:
        query = query.where(Problem.id == problem_id)
    rows = session.exec(query).all()
    numbers = {c.id: c.number for c, _ in rows}
    measures: dict[int, list[str]] = {}
    cause_ids = [saved_id(c) for c, _ in rows]
    if cause_ids:
        for m in session.exec(select(Measure).where(col(Measure.cause_id).in_(cause_ids)).order_by(col(Measure.id))):
            measures.setdefault(m.cause_id, []).append(f"nr {m.id}: {m.title}")
    return [_cause_view(c, p, numbers, measures) for c, p in rows]


def _cause_view(c: Cause, p: Problem, numbers: dict[int | None, int], measures: dict[int, list[str]]) -> CauseView:
    return CauseView(
        id=saved_id(c),
        number=c.number,
        problem_id=saved_id(p),
        problem=p.title,
        perspective=label(c.perspective),
        direct=c.direct,
        underlying_of=numbers.get(c.parent_id) if c.parent_id else None,
        description=c.description,
        sources=c.sources,
        measures=measures.get(saved_id(c), []),
    )


def cause_view(session: Session, organisation: Organisation, cause_id: int) -> CauseView:
    found = [c for c in cause_views(session, organisation) if c.id == cause_id]
    if not found:
        raise NotFoundError(f"orsak nr {cause_id} finns inte i den pågående cykelns orsaksanalyser")
    return found[0]
