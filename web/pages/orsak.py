"""Orsaksanalys and åtgärdsplan: the prioritised problems and the state of their analyses, one problem's analysis
(causes by the problem triangle as a tree, "inte relevant, eftersom …", medborgardialoger, completing it), and the
åtgärdsplan grouped by problem → cause, where an åtgärd is created from a cause and changed or cancelled only with
the deciding body's decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.datastructures import FormData

from samverkan.core.labels import label
from samverkan.models.enums import TRIANGLE, CausePerspective
from samverkan.services import atgardsplan, orsaksanalys, substance
from samverkan.services.actor import Actor
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import (
    AddCause,
    AddMeasure,
    CancelMeasure,
    ChangeMeasure,
    CompleteAnalysis,
    NotRelevant,
    RecordDialogue,
)
from samverkan.services.measure_links import organisation_indicators
from samverkan.services.plan_view import owner_choices, plan
from samverkan.web.forms import Page, Visit, _Endpoint, form_fields, page_router, parse, submit
from samverkan.web.security import Viewer

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
LISTS = ("indicator_ids",)  # fields a form posts as several checked boxes


def _overview(visit: Visit) -> Mapping[str, object]:
    try:
        states = orsaksanalys.analysis_overview(visit.session, visit.member.organisation)
    except ServiceError as exc:
        return {"states": [], "no_cycle": str(exc)}
    return {"states": states, "no_cycle": None}


def _analysis(visit: Visit) -> Mapping[str, object]:
    view = orsaksanalys.analysis_view(visit.session, visit.member.organisation, visit.numbers["problem_id"])
    shown = [p for p in view.trees if p in TRIANGLE or view.trees[p]]
    return {
        "view": view,
        "perspectives": shown,
        "all_perspectives": list(CausePerspective),
        "triangle": TRIANGLE,
        "labels": {p: label(p) for p in CausePerspective},
        "open_triangle": [p for p in TRIANGLE if not view.trees[p]],
    }


def _plan(visit: Visit) -> Mapping[str, object]:
    session, organisation = visit.session, visit.member.organisation
    try:
        grouped = plan(session, organisation)
    except ServiceError as exc:
        return {"problems": [], "no_cycle": str(exc), "decider": None}
    try:
        cycle = substance.active_cycle(session, organisation)
        decider: str | None = atgardsplan.deciding_body(session, organisation, cycle).name
    except ServiceError:
        decider = None
    return {
        "problems": grouped,
        "no_cycle": None,
        "decider": decider,
        "indicators": organisation_indicators(session, organisation),
        "owners": owner_choices(session, organisation),
    }


def list_action(
    page: Page, path: str, model: type[M], act: Callable[[Session, Actor, M], T], notice: Callable[[T], str]
) -> None:
    """Like `Page.action`, for a form with checkboxes that post one field several times (`LISTS`)."""

    def post(request: Any, viewer: Viewer, key: str, form: FormData, **numbers: int) -> Response:
        def run(session: Session, actor: Actor) -> T:
            lists = {name: form.getlist(name) for name in LISTS if form.getlist(name)}
            return act(session, actor, parse(model, {**form_fields(form), **lists}, **numbers))

        done: Callable[[T], tuple[str, str]] = lambda result: (page.path.format(key=key), notice(result))  # noqa: E731
        return submit(request, viewer, key, run, done, page.again(request, viewer, key, form, **numbers))

    page.router.add_api_route(path, _Endpoint(path, post, posted=True), methods=["POST"], response_class=HTMLResponse)


router = page_router()
Page(router, "/org/{key}/orsaksanalys", "orsaksanalys.html.j2", _overview)

analysis = Page(router, "/org/{key}/orsaksanalys/{problem_id}", "orsaksanalys_problem.html.j2", _analysis)
analysis.action(
    "/org/{key}/orsaksanalys/{problem_id}/orsak", AddCause, substance.add_cause, "Orsak nr {result.number} är tillagd."
)
analysis.action(
    "/org/{key}/orsaksanalys/{problem_id}/inte-relevant",
    NotRelevant,
    orsaksanalys.mark_not_relevant,
    lambda result, given: f"Perspektivet {label(given.perspective)} är markerat som inte relevant.",
)
analysis.action(
    "/org/{key}/orsaksanalys/{problem_id}/medborgardialog",
    RecordDialogue,
    orsaksanalys.record_dialogue,
    "Medborgardialogen den {result.held_on} är registrerad.",
)
analysis.action(
    "/org/{key}/orsaksanalys/{problem_id}/klar",
    CompleteAnalysis,
    substance.complete_analysis,
    "Orsaksanalysen är klar.",
)

plan_page = Page(router, "/org/{key}/atgardsplan", "atgardsplan.html.j2", _plan)
list_action(
    plan_page,
    "/org/{key}/atgardsplan/ny",
    AddMeasure,
    substance.add_measure,
    lambda measure: f"Åtgärd nr {measure.id} '{measure.title}' är tillagd.",
)
list_action(
    plan_page,
    "/org/{key}/atgardsplan/{measure_id}/andring",
    ChangeMeasure,
    atgardsplan.change_measure,
    lambda change: f"Åtgärd nr {change.measure_id} är ändrad genom beslut nr {change.decision_id}.",
)
plan_page.action(
    "/org/{key}/atgardsplan/{measure_id}/avbryt",
    CancelMeasure,
    atgardsplan.cancel_measure,
    "Åtgärd nr {result.measure_id} är avbruten genom beslut nr {result.decision_id}.",
)
