"""The HTTP API of the joint lägesbild: problems (list, get, add), their sources and criteria matrix, the parties'
own lägesbilder, and the prioritisation as the deciding body's decision. Same actions, input models and Swedish
errors as the pages (web/pages/lagesbild.py) and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session

from samverkan.models import PartyLagesbild, Problem, ProblemSource
from samverkan.services import lagesbild, substance
from samverkan.services.actor import Actor
from samverkan.services.inputs import (
    AddPartyLagesbild,
    AddProblem,
    AddProblemSource,
    AssessProblem,
    RecordPrioritisation,
)
from samverkan.services.lagesbild_view import (
    LagesbildView,
    PartyLagesbildView,
    ProblemView,
    lagesbild_of,
    party_lagesbild_view,
    problem_of,
    problems_of,
)
from samverkan.services.prioritisation import PrioritisationView, current_prioritisation, record_prioritisation
from samverkan.web.api import ERRORS, Caller, _act, _created, _member
from samverkan.web.security import state
from samverkan.web.views import Id

router = APIRouter(prefix="/api/v1", tags=["Lägesbild"], responses=ERRORS)
ORG = "/organisationer/{key}"


@router.get(ORG + "/lagesbild", response_model=LagesbildView, summary="Den gemensamma lägesbilden")
def api_lagesbild(request: Request, person: Caller, key: str) -> Any:
    _member(request, person, key)
    with state(request).read() as session:
        return lagesbild_of(session, key)


@router.get(ORG + "/problem", response_model=list[ProblemView], summary="Problemen i pågående cykel")
def api_problems(request: Request, person: Caller, key: str) -> Any:
    _member(request, person, key)
    with state(request).read() as session:
        return problems_of(session, key)


@router.get(ORG + "/problem/{problem_id}", response_model=ProblemView, summary="Ett problem med källor och bedömning")
def api_problem(request: Request, person: Caller, key: str, problem_id: Id) -> Any:
    _member(request, person, key)
    with state(request).read() as session:
        return problem_of(session, key, problem_id)


@router.post(ORG + "/problem", response_model=ProblemView, status_code=201, summary="Lägg till ett problem")
def api_add_problem(request: Request, person: Caller, key: str, problem: AddProblem) -> Any:
    return _created(request, person, key, substance.add_problem, problem, _problem_out)


def _problem_out(session: Session, actor: Actor, made: Problem | ProblemSource) -> ProblemView:
    number = made.problem_id if isinstance(made, ProblemSource) else made.id
    return problem_of(session, actor.org_key, number)  # type: ignore[arg-type]


@router.post(ORG + "/lagesbild/kallor", response_model=ProblemView, status_code=201, summary="Ange en källa")
def api_add_source(request: Request, person: Caller, key: str, source: AddProblemSource) -> Any:
    return _created(request, person, key, lagesbild.add_source, source, _problem_out)


@router.put(ORG + "/lagesbild/bedomningar", response_model=ProblemView, summary="Bedöm ett problem (kriteriematris)")
def api_assess(request: Request, person: Caller, key: str, assessment: AssessProblem) -> Any:
    return _created(request, person, key, lagesbild.assess_problem, assessment, _problem_out)


@router.post(
    ORG + "/lagesbild/parter", response_model=PartyLagesbildView, status_code=201, summary="En parts egen lägesbild"
)
def api_add_party_lagesbild(request: Request, person: Caller, key: str, own: AddPartyLagesbild) -> Any:
    folder = state(request).uploads_dir

    def act(session: Session, actor: Actor) -> PartyLagesbildView:
        made: PartyLagesbild = lagesbild.add_party_lagesbild(session, actor, own, folder)
        return party_lagesbild_view(session, made)

    return _act(request, person, key, act)


@router.get(
    ORG + "/lagesbild/prioritering",
    response_model=PrioritisationView | None,
    summary="Prioriteringen som gäller (tom före beslutet)",
)
def api_prioritisation(request: Request, person: Caller, key: str) -> Any:
    _member(request, person, key)
    with state(request).read() as session:
        return current_prioritisation(session, key)


@router.post(
    ORG + "/lagesbild/prioritering",
    response_model=PrioritisationView,
    status_code=201,
    summary="Protokollför prioriteringen som det beslutande organets beslut",
)
def api_prioritise(request: Request, person: Caller, key: str, ranking: RecordPrioritisation) -> Any:
    return _act(request, person, key, lambda session, actor: record_prioritisation(session, actor, ranking))
