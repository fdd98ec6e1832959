"""The åtgärdsplan: åtgärder grouped by problem and cause, and the decisions that change or cancel one.

An åtgärd's scope changes, or it is cancelled, only by a recorded decision of the deciding body the process
definition names for the åtgärdsplan (the phase whose exit criterion is "measures_cover_problems"); the decision
goes through the decision service (services/agreements.py) and the change keeps what it was before and after.
A cancelled åtgärd stays, shown as cancelled with its decision — never reported as a fake 100 %.
`coverage(session, cycle)` is the fact "every prioritised problem is covered by an åtgärd with an indicator"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.labels import label
from samverkan.models import Body, Cause, CauseAnalysis, Cycle, Decision, Measure, Organisation
from samverkan.models.analysis import MeasureChange
from samverkan.models.enums import MeasureChangeKind, MeasureState, Related
from samverkan.notifications.owed import stop_unowed
from samverkan.services import agreements
from samverkan.services.access import COORDINATING, require_function, roles_with_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import CancelMeasure, ChangeMeasure, MeasureDecision, RecordDecision
from samverkan.services.lifecycle import check
from samverkan.services.measure_links import chosen_indicators, indicators_of, link_indicators
from samverkan.services.measure_list import role_function_names
from samverkan.services.orsaksanalys import prioritised_problems
from samverkan.services.overview import find_organisation
from samverkan.services.pinning import definition_of
from samverkan.services.privacy import no_personal_data
from samverkan.services.substance import active_cycle

PLAN_REQUIREMENT = "measures_cover_problems"  # the exit criterion whose phase adopts the åtgärdsplan
SCOPE_FIELDS = (
    "title", "operational_goal", "owner_role_key", "arbetsgrupp", "due_on", "follow_up", "planned_hours",
    "planned_cost_sek",
)  # fmt: skip


def deciding_body(session: Session, organisation: Organisation, cycle: Cycle) -> Body:
    """The body that decides on the åtgärdsplan: named by the phase that adopts it in the cycle's definition."""
    definition = definition_of(session, cycle)
    named = next(
        (p.decided_by for p in definition.phases if any(i.requirement == PLAN_REQUIREMENT for i in p.items)), None
    ) or next((p.decided_by for p in definition.phases if p.decided_by), None)
    if named is None:
        raise RefusedError(f"processbeskrivningen '{definition.name}' anger inget organ som beslutar om åtgärdsplanen")
    bodies = session.exec(
        select(Body)
        .where(Body.organisation_id == organisation.id, col(Body.archived_at).is_(None))
        .order_by(col(Body.key))
    ).all()
    body = next((b for b in bodies if b.kind == named), None) or next((b for b in bodies if b.key == named), None)
    if body is None:
        raise RefusedError(
            f"{organisation.name} har inget organ av slaget {label(named)}, som enligt processbeskrivningen "
            "beslutar om åtgärdsplanen"
        )
    return body


def _measure(session: Session, cycle: Cycle, measure_id: int) -> Measure:
    measure = session.get(Measure, measure_id)
    if measure is None or measure.cycle_id != cycle.id:
        raise NotFoundError(f"åtgärd nr {measure_id} finns inte i den pågående cykeln")
    if measure.is_cancelled():
        raise RefusedError(f"åtgärden '{measure.title}' är redan avbruten genom beslut")
    return measure


def _decide(
    session: Session, actor: Actor, organisation: Organisation, measure: Measure, given: MeasureDecision, what: str
) -> Decision:
    """The deciding body's decision about the åtgärd, recorded through the decision service (which checks its
    date: services/deciding.py)."""
    body = deciding_body(session, organisation, active_cycle(session, organisation))
    text = f"{given.decision_text.strip()}\n\n{what}"
    decision = agreements.record_decision(
        session,
        actor,
        RecordDecision(
            body_key=body.key,
            kind="atgard",
            title=f"{what.splitlines()[0]} (åtgärd nr {measure.id})",
            text=text,
            decided_on=given.decided_on,
            diarienummer=given.diarienummer,
        ),
    )
    decision.cycle_id = measure.cycle_id
    session.add(decision)
    session.flush()
    return decision


def change_measure(session: Session, actor: Actor, given: ChangeMeasure) -> MeasureChange:
    """Change an åtgärd's scope by the deciding body's decision; only the fields given change."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "ändra åtgärder")
    cycle = active_cycle(session, organisation)
    measure = _measure(session, cycle, given.measure_id)
    no_personal_data(
        rubrik=given.title, mal=given.operational_goal, uppfoljning=given.follow_up, arbetsgrupp=given.arbetsgrupp
    )
    before, after = _scope_changes(session, organisation, actor, measure, given)
    indicators = None if given.indicator_ids is None else chosen_indicators(session, organisation, given.indicator_ids)
    old_indicators = indicators_of(session, [saved_id(measure)])[saved_id(measure)]
    old_keys = sorted(i.key for i in old_indicators)
    if indicators is not None and sorted(i.key for i in indicators) != old_keys:
        before["indikatorer"], after["indikatorer"] = old_keys, sorted(i.key for i in indicators)
    if not after:
        raise RefusedError(f"inget i åtgärden '{measure.title}' ändras; ange det som beslutet ändrar")
    names = {i.key: i.name for i in [*old_indicators, *(indicators or [])]}
    described = _described(before, after, role_function_names(session, organisation), names)
    decision = _decide(session, actor, organisation, measure, given, f"Ändrad omfattning: {measure.title}\n{described}")
    for name, value in after.items():
        if name in SCOPE_FIELDS:
            setattr(measure, name, value)
    if indicators is not None:
        link_indicators(session, measure, indicators)
    session.add(measure)
    change = _record_change(session, measure, decision, MeasureChangeKind.SCOPE, before, after)
    stop_unowed(session, Related.MEASURE, saved_id(measure))  # a reminder for the old deadline is no longer owed
    audit(session, acting, organisation.id, "measure.change", measure, key=measure.title, before=before,
          after={**after, "decision": decision.id})  # fmt: skip
    return change


def _scope_changes(
    session: Session, organisation: Organisation, actor: Actor, measure: Measure, given: ChangeMeasure
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scope fields the decision changes: their values before and after."""
    wanted = {
        "title": given.title.strip() if given.title else None,
        "operational_goal": given.operational_goal,
        "owner_role_key": given.owner,
        "arbetsgrupp": given.arbetsgrupp,
        "due_on": given.due_on,
        "follow_up": given.follow_up.strip() if given.follow_up else None,
        "planned_hours": given.planned_hours,
        "planned_cost_sek": given.planned_cost_sek,
    }
    if given.owner is not None and not roles_with_function(session, organisation, given.owner):
        raise RefusedError(f"den ansvariga rollen '{given.owner}' finns inte i {organisation.name}")
    if given.due_on is not None and given.due_on < actor.on and given.due_on != measure.due_on:
        raise RefusedError(f"det nya slutdatumet {given.due_on} har redan passerat")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in wanted.items():
        if value not in (None, "") and value != getattr(measure, name):
            before[name], after[name] = _plain(getattr(measure, name)), _plain(value)
    if "due_on" in after:
        after["due_on"] = given.due_on  # set as a date (written as text in the change's record)
    return before, after


_SHOWN_AS = {"owner_role_key": "owner", "indikatorer": "indicator_ids"}  # scope field → the input's field
_TITLES = {"title": "Rubrik", "planned_cost_sek": "Planerad kostnad"}  # where the form's title reads oddly here


def _described(before: dict[str, Any], after: dict[str, Any], roles: dict[str, str], indicators: dict[str, str]) -> str:
    """The change as the decision's text states it, one line a field, in words a person files: 'Indikatorer:
    inga → Anmälda brott', 'Ansvarig roll: Samordnare → Kommunpolis', each field named by the form's title."""

    def shown(name: str, value: object) -> str:
        if value in (None, "", []):
            return "inga" if name == "indikatorer" else "ej angivet"
        if name == "indikatorer" and isinstance(value, list):
            return ", ".join(indicators.get(str(key), str(key)) for key in value)
        if name == "owner_role_key":
            return roles.get(str(value), str(value))
        if isinstance(value, float):
            number = f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
            return number.replace(",", "\u00a0").replace(".", ",") + (" kr" if name == "planned_cost_sek" else "")
        return str(_plain(value))

    fields = ChangeMeasure.model_fields
    lines = []
    for name in after:
        title = _TITLES.get(name) or fields[_SHOWN_AS.get(name, name)].title or name
        lines.append(f"- {title}: {shown(name, before[name])} → {shown(name, after[name])}")
    return "\n".join(lines)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _record_change(
    session: Session,
    measure: Measure,
    decision: Decision,
    kind: MeasureChangeKind,
    before: dict[str, Any],
    after: dict[str, Any],
) -> MeasureChange:
    change = MeasureChange(
        measure_id=saved_id(measure),
        decision_id=saved_id(decision),
        kind=kind,
        before={k: _plain(v) for k, v in before.items()},
        after={k: _plain(v) for k, v in after.items()},
    )
    session.add(change)
    session.flush()
    return change


def cancel_measure(session: Session, actor: Actor, given: CancelMeasure) -> MeasureChange:
    """Cancel an åtgärd by the deciding body's decision: it stays in the plan, shown as cancelled."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "avbryta åtgärder")
    cycle = active_cycle(session, organisation)
    measure = _measure(session, cycle, given.measure_id)
    check(MeasureState(measure.state), MeasureState.CANCELLED, f"åtgärden '{measure.title}'")
    decision = _decide(session, actor, organisation, measure, given, f"Avbruten åtgärd: {measure.title}")
    before = {"state": str(measure.state), "progress_pct": measure.progress_pct}
    measure.state = MeasureState.CANCELLED
    session.add(measure)
    change = _record_change(
        session, measure, decision, MeasureChangeKind.CANCELLED, before, {"state": str(MeasureState.CANCELLED)}
    )
    stop_unowed(session, Related.MEASURE, saved_id(measure))
    audit(session, acting, organisation.id, "measure.cancel", measure, key=measure.title, before=before,
          after={"state": MeasureState.CANCELLED, "decision": decision.id})  # fmt: skip
    return change


@dataclass(frozen=True)
class ProblemCoverage:
    problem_id: int
    title: str
    measures: int  # åtgärder still in the plan (not cancelled) on the problem's causes
    with_indicator: int  # of which have an indicator that will show the effect

    @property
    def covered(self) -> bool:
        return self.with_indicator > 0


@dataclass(frozen=True)
class Coverage:
    """Whether every prioritised problem is covered by an åtgärd with an indicator (the exit criterion's fact)."""

    problems: list[ProblemCoverage] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        lines = [] if self.problems else ["inget problem är prioriterat"]
        for p in self.problems:
            if p.measures == 0:
                lines.append(f"ingen åtgärd verkar på orsakerna till '{p.title}'")
            elif not p.covered:
                lines.append(f"ingen åtgärd för '{p.title}' har en indikator som visar effekten")
        return lines


def coverage(session: Session, cycle: Cycle) -> Coverage:
    """Per prioritised problem of the cycle: its åtgärder in the plan and how many have an indicator."""
    rows = session.exec(
        select(CauseAnalysis.problem_id, Measure)
        .join(Cause, col(Cause.analysis_id) == CauseAnalysis.id)
        .join(Measure, col(Measure.cause_id) == Cause.id)
        .where(Measure.cycle_id == cycle.id, Measure.state == MeasureState.ACTIVE)
    ).all()
    linked = indicators_of(session, [saved_id(m) for _, m in rows])
    found = []
    for problem in prioritised_problems(session, cycle):
        mine = [m for problem_id, m in rows if problem_id == problem.id]
        found.append(
            ProblemCoverage(saved_id(problem), problem.title, len(mine), sum(1 for m in mine if linked[saved_id(m)]))
        )
    return Coverage(found)
