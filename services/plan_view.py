"""The åtgärdsplan as it is read: each åtgärd with its cause, problem, indicators and the decisions that changed
it (`measure_views`, for the CLI and the API), and the plan grouped by problem → cause for the page."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.labels import label
from samverkan.models import Cause, CauseAnalysis, Decision, Indicator, Measure, Organisation, Problem, Role
from samverkan.models.analysis import MeasureChange
from samverkan.services.errors import NotFoundError
from samverkan.services.measure_links import indicators_of
from samverkan.services.measure_list import role_function_names
from samverkan.services.orsaksanalys import CauseNode, cause_trees, causes_of, prioritised_problems
from samverkan.services.substance import active_cycle


@dataclass(frozen=True)
class MeasureView:
    """One åtgärd: what it acts on, its plan, its report and the decisions that changed or cancelled it."""

    id: int
    title: str
    problem_id: int
    problem: str
    cause_id: int
    cause: str
    goal: str | None
    owner_role_key: str
    owner: str
    arbetsgrupp: str | None
    due_on: str
    follow_up: str
    planned_hours: float | None
    planned_cost_sek: float | None
    status: str
    progress_pct: int
    state: str
    indicator_ids: list[int]
    indicators: list[str]
    decisions: list[str]  # "beslut nr N (datum): rubrik", oldest first
    cancelled_by: int | None  # the decision that cancelled it


def measure_views(session: Session, organisation: Organisation, measure_id: int | None = None) -> list[MeasureView]:
    """The running cycle's åtgärder (or the one with `measure_id`), by problem and cause."""
    cycle = active_cycle(session, organisation)
    query = (
        select(Measure, Cause, Problem)
        .join(Cause, col(Cause.id) == Measure.cause_id)
        .join(CauseAnalysis, col(CauseAnalysis.id) == Cause.analysis_id)
        .join(Problem, col(Problem.id) == CauseAnalysis.problem_id)
        .where(Measure.cycle_id == cycle.id)
        .order_by(col(Problem.id), col(Cause.number), col(Measure.id))
    )
    if measure_id is not None:
        query = query.where(Measure.id == measure_id)
    rows = session.exec(query).all()
    ids = [saved_id(m) for m, _, _ in rows]
    linked = indicators_of(session, ids)
    changes = _changes(session, ids)
    names = role_function_names(session, organisation)
    return [_view(m, c, p, linked[saved_id(m)], changes.get(saved_id(m), []), names) for m, c, p in rows]


def _changes(session: Session, measure_ids: list[int]) -> dict[int, list[tuple[MeasureChange, Decision]]]:
    found: dict[int, list[tuple[MeasureChange, Decision]]] = {}
    if not measure_ids:
        return found
    rows = session.exec(
        select(MeasureChange, Decision)
        .join(Decision, col(Decision.id) == MeasureChange.decision_id)
        .where(col(MeasureChange.measure_id).in_(measure_ids))
        .order_by(col(MeasureChange.id))
    ).all()
    for change, decision in rows:
        found.setdefault(change.measure_id, []).append((change, decision))
    return found


def _view(
    m: Measure,
    c: Cause,
    p: Problem,
    indicators: list[Indicator],
    changes: list[tuple[MeasureChange, Decision]],
    names: dict[str, str],
) -> MeasureView:
    cancelled = [d.id for change, d in changes if change.kind == "avbruten"]
    return MeasureView(
        saved_id(m), m.title, saved_id(p), p.title, saved_id(c), c.description, m.operational_goal,
        m.owner_role_key, names.get(m.owner_role_key, label(m.owner_role_key)), m.arbetsgrupp, m.due_on.isoformat(),
        m.follow_up, m.planned_hours, m.planned_cost_sek, str(m.status), m.progress_pct, str(m.state),
        [saved_id(i) for i in indicators], [i.name for i in indicators],
        [f"beslut nr {d.id} ({d.decided_on}): {d.title}" for _, d in changes],
        cancelled[-1] if cancelled else None,
    )  # fmt: skip


def measure_view(session: Session, organisation: Organisation, measure_id: int) -> MeasureView:
    found = measure_views(session, organisation, measure_id)
    if not found:
        raise NotFoundError(f"åtgärd nr {measure_id} finns inte i den pågående cykeln")
    return found[0]


@dataclass
class PlanCause:
    cause: Cause
    depth: int  # 0 for a direct cause at the top of its tree; 1 for one that lies behind it …
    measures: list[MeasureView] = field(default_factory=list)


@dataclass
class PlanProblem:
    problem: Problem
    causes: list[PlanCause]


def plan(session: Session, organisation: Organisation) -> list[PlanProblem]:
    """The åtgärdsplan for the page: each prioritised problem, its causes in tree order, their åtgärder."""
    cycle = active_cycle(session, organisation)
    views = {v.id: v for v in measure_views(session, organisation)}
    grouped = []
    for problem in prioritised_problems(session, cycle):
        analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
        causes = [] if analysis is None else causes_of(session, saved_id(analysis))
        flat: list[PlanCause] = []
        roots = [root for tree in cause_trees(session, causes).values() for root in tree]
        for root in sorted(roots, key=lambda node: node.cause.number):
            _walk(root, 0, flat, views)
        grouped.append(PlanProblem(problem, flat))
    return grouped


def _walk(node: CauseNode, depth: int, out: list[PlanCause], views: dict[int, MeasureView]) -> None:
    out.append(PlanCause(node.cause, depth, [views[saved_id(m)] for m in node.measures if saved_id(m) in views]))
    for child in node.children:
        _walk(child, depth + 1, out, views)


def owner_choices(session: Session, organisation: Organisation) -> list[tuple[str, str]]:
    """The role functions an åtgärd may be owned by (value, the roles' names), for a form's choice."""
    names: dict[str, list[str]] = {}
    for role in session.exec(
        select(Role)
        .where(Role.organisation_id == organisation.id, col(Role.archived_at).is_(None), Role.function != "")
        .order_by(col(Role.name))
    ).all():
        names.setdefault(role.function, []).append(role.name)
    return sorted(((function, ", ".join(roles)) for function, roles in names.items()), key=lambda pair: pair[1])


def cancelling_decisions(session: Session, measure_ids: list[int]) -> dict[int, int]:
    """Each cancelled åtgärd among `measure_ids` → the number of the decision that cancelled it."""
    return {
        measure_id: saved_id(decision)
        for measure_id, changes in _changes(session, measure_ids).items()
        for change, decision in changes
        if change.kind == "avbruten"
    }
