"""The HTTP API for the orsaksanalys and the åtgärdsplan: the same actions as the pages (one input model each,
services/inputs.py) and what they read, as JSON. Authorised like the rest of the API (web/api.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlmodel import Session

from samverkan.models import Person
from samverkan.services import atgardsplan, orsaksanalys, substance
from samverkan.services.actor import Actor
from samverkan.services.inputs import (
    AddCause,
    AddMeasure,
    CancelMeasure,
    ChangeMeasure,
    CompleteAnalysis,
    NotRelevant,
    RecordDialogue,
)
from samverkan.services.orsaksanalys import AnalysisState, CauseView
from samverkan.services.overview import find_organisation
from samverkan.services.plan_view import MeasureView, measure_view, measure_views
from samverkan.web.api import ERRORS, Caller, _act, _member
from samverkan.web.security import state
from samverkan.web.views import Id

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
R = TypeVar("R")

router = APIRouter(prefix="/api/v1", tags=["Orsaksanalys och åtgärdsplan"], responses=ERRORS)
ORG = "/organisationer/{key}"


def _read(request: Request, person: Person, key: str, read: Callable[[Session, Actor], T]) -> T:
    """A read for a member of the organisation, in one read transaction."""
    _member(request, person, key)
    web = state(request)
    with web.read() as session:
        return read(session, Actor(key, person.email, web.today()))


def _state_of(problem_id: int) -> Callable[[Session, Actor], AnalysisState]:
    def answer(session: Session, actor: Actor) -> AnalysisState:
        cycle = substance.active_cycle(session, find_organisation(session, actor.org_key))
        return orsaksanalys.analysis_state(session, substance.problem_in_cycle(session, cycle, problem_id))

    return answer


def _then(
    act: Callable[[Session, Actor, M], R], given: M, answer: Callable[[Session, Actor, R], T]
) -> Callable[[Session, Actor], T]:
    """The action, then what the answer shows of its result (once flushed, so it has its number)."""

    def run(session: Session, actor: Actor) -> T:
        done = act(session, actor, given)
        session.flush()
        return answer(session, actor, done)

    return run


# -- orsaksanalys ----------------------------------------------------------------------------------


@router.get(f"{ORG}/orsaksanalyser", response_model=list[AnalysisState], summary="Orsaksanalysernas läge")
def api_analyses(request: Request, person: Caller, key: str) -> Any:
    return _read(request, person, key, lambda s, a: orsaksanalys.analysis_overview(s, find_organisation(s, key)))


@router.get(f"{ORG}/orsaksanalyser/{{problem_id}}", response_model=AnalysisState, summary="En orsaksanalys läge")
def api_analysis(request: Request, person: Caller, key: str, problem_id: Id) -> Any:
    return _read(request, person, key, _state_of(problem_id))


@router.get(f"{ORG}/orsaker", response_model=list[CauseView], summary="Orsakerna i pågående cykel")
def api_causes(
    request: Request, person: Caller, key: str, problem: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> Any:
    return _read(request, person, key, lambda s, a: orsaksanalys.cause_views(s, find_organisation(s, key), problem))


@router.get(f"{ORG}/orsaker/{{cause_id}}", response_model=CauseView, summary="En orsak")
def api_cause(request: Request, person: Caller, key: str, cause_id: Id) -> Any:
    return _read(request, person, key, lambda s, a: orsaksanalys.cause_view(s, find_organisation(s, key), cause_id))


@router.post(f"{ORG}/orsaker", response_model=CauseView, status_code=201, summary="Lägg till en orsak")
def api_add_cause(request: Request, person: Caller, key: str, cause: AddCause) -> Any:
    def answer(session: Session, actor: Actor, made: Any) -> CauseView:
        return orsaksanalys.cause_view(session, find_organisation(session, key), made.id)

    return _act(request, person, key, _then(substance.add_cause, cause, answer))


@router.post(f"{ORG}/orsaksanalyser/inte-relevant", response_model=AnalysisState, summary="Perspektiv inte relevant")
def api_not_relevant(request: Request, person: Caller, key: str, note: NotRelevant) -> Any:
    answer = _state_of(note.problem_id)
    return _act(request, person, key, _then(orsaksanalys.mark_not_relevant, note, lambda s, a, _: answer(s, a)))


@router.post(
    f"{ORG}/orsaksanalyser/medborgardialoger",
    response_model=AnalysisState,
    status_code=201,
    summary="Registrera en medborgardialog",
)
def api_dialogue(request: Request, person: Caller, key: str, dialogue: RecordDialogue) -> Any:
    answer = _state_of(dialogue.problem_id)
    return _act(request, person, key, _then(orsaksanalys.record_dialogue, dialogue, lambda s, a, _: answer(s, a)))


@router.post(f"{ORG}/orsaksanalyser/klar", response_model=AnalysisState, summary="Slutför en orsaksanalys")
def api_complete_analysis(request: Request, person: Caller, key: str, analysis: CompleteAnalysis) -> Any:
    answer = _state_of(analysis.problem_id)
    return _act(request, person, key, _then(substance.complete_analysis, analysis, lambda s, a, _: answer(s, a)))


# -- åtgärdsplan -----------------------------------------------------------------------------------


def _measure_answer(measure_id: Callable[[Any], int]) -> Callable[[Session, Actor, Any], MeasureView]:
    return lambda session, actor, done: measure_view(
        session, find_organisation(session, actor.org_key), measure_id(done)
    )


@router.get(f"{ORG}/atgardsplan", response_model=list[MeasureView], summary="Åtgärdsplanen")
def api_plan(request: Request, person: Caller, key: str) -> Any:
    return _read(request, person, key, lambda s, a: measure_views(s, find_organisation(s, key)))


@router.get(f"{ORG}/atgardsplan/{{measure_id}}", response_model=MeasureView, summary="En åtgärd i åtgärdsplanen")
def api_plan_measure(request: Request, person: Caller, key: str, measure_id: Id) -> Any:
    return _read(request, person, key, lambda s, a: measure_view(s, find_organisation(s, key), measure_id))


@router.post(f"{ORG}/atgardsplan", response_model=MeasureView, status_code=201, summary="Ny åtgärd från en orsak")
def api_add_measure(request: Request, person: Caller, key: str, measure: AddMeasure) -> Any:
    return _act(request, person, key, _then(substance.add_measure, measure, _measure_answer(lambda m: m.id)))


@router.post(f"{ORG}/atgardsplan/andringar", response_model=MeasureView, summary="Ändra en åtgärd genom beslut")
def api_change_measure(request: Request, person: Caller, key: str, change: ChangeMeasure) -> Any:
    answer = _measure_answer(lambda c: c.measure_id)
    return _act(request, person, key, _then(atgardsplan.change_measure, change, answer))


@router.post(f"{ORG}/atgardsplan/avbrott", response_model=MeasureView, summary="Avbryt en åtgärd genom beslut")
def api_cancel_measure(request: Request, person: Caller, key: str, cancel: CancelMeasure) -> Any:
    answer = _measure_answer(lambda c: c.measure_id)
    return _act(request, person, key, _then(atgardsplan.cancel_measure, cancel, answer))
