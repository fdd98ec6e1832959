"""The HTTP API for the agreement's and the medborgarlöftenas content: the same input models and service
functions as the pages /org/{key}/overenskommelse and /org/{key}/medborgarloften."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlmodel import Session

from samverkan.models import Person
from samverkan.services import agreement_content, agreements, promises
from samverkan.services.actor import Actor
from samverkan.services.agreement_view import AgreementSummary, PromiseSummary, agreement_summary, promise_summaries
from samverkan.services.agreements import SigningResult
from samverkan.services.inputs import (
    AddActivity,
    AddGoal,
    AgreementTerms,
    CommunicatePromise,
    ConfirmedSigning,
    CoverProblem,
    FollowUpActivity,
    PromiseText,
    RemoveGoal,
)
from samverkan.services.overview import find_organisation as organisation_of
from samverkan.web.api import ERRORS, Caller, _act, _member
from samverkan.web.security import state
from samverkan.web.views import Id

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

router = APIRouter(prefix="/api/v1", tags=["Överenskommelse och medborgarlöften"], responses=ERRORS)
AGREEMENT = "/organisationer/{key}/overenskommelse"
PROMISES = "/organisationer/{key}/medborgarloften"


def _agreement(session: Session, actor: Actor, person: Person) -> AgreementSummary:
    return agreement_summary(session, organisation_of(session, actor.org_key), person, actor.on)


def _promises(session: Session, actor: Actor, person: Person) -> list[PromiseSummary]:
    return promise_summaries(session, organisation_of(session, actor.org_key), person, actor.on)


def _then(
    request: Request, person: Person, key: str, act: Callable[[Session, Actor, M], object], given: M,
    answer: Callable[[Session, Actor, Person], T],
) -> T:  # fmt: skip
    """The action, then the page's content as it is after it (in the same transaction)."""

    def run(session: Session, actor: Actor) -> T:
        act(session, actor, given)
        session.flush()
        return answer(session, actor, person)

    return _act(request, person, key, run)


@router.get(AGREEMENT, response_model=AgreementSummary, summary="Överenskommelsen: texten som skrivs under")
def api_agreement(request: Request, person: Caller, key: str) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.read() as session:
        return _agreement(session, Actor(key, person.email, web.today()), person)


@router.put(AGREEMENT + "/villkor", response_model=AgreementSummary, summary="Period, revision, uppföljning")
def api_terms(request: Request, person: Caller, key: str, terms: AgreementTerms) -> Any:
    return _then(request, person, key, agreement_content.set_terms, terms, _agreement)


@router.post(AGREEMENT + "/problem", response_model=AgreementSummary, summary="Ta med eller ta bort ett problem")
def api_cover(request: Request, person: Caller, key: str, cover: CoverProblem) -> Any:
    return _then(request, person, key, agreement_content.cover_problem, cover, _agreement)


@router.post(AGREEMENT + "/mal", response_model=AgreementSummary, status_code=201, summary="Lägg till ett mål")
def api_add_goal(request: Request, person: Caller, key: str, goal: AddGoal) -> Any:
    return _then(request, person, key, agreement_content.add_goal, goal, _agreement)


@router.delete(AGREEMENT + "/mal/{goal_number}", response_model=AgreementSummary, summary="Ta bort ett mål")
def api_remove_goal(request: Request, person: Caller, key: str, goal_number: Id) -> Any:
    given = RemoveGoal(goal_number=goal_number)
    return _then(request, person, key, agreement_content.remove_goal, given, _agreement)


def _sign(request: Request, person: Person, key: str, signing: ConfirmedSigning) -> SigningResult:
    return _act(request, person, key, lambda session, actor: agreements.sign(session, actor, signing))


@router.post(AGREEMENT + "/underskrift", response_model=SigningResult, summary="Skriv under texten man läst")
def api_sign_agreement(request: Request, person: Caller, key: str, signing: ConfirmedSigning) -> Any:
    return _sign(request, person, key, signing.model_copy(update={"what": "agreement"}))


@router.get(PROMISES, response_model=list[PromiseSummary], summary="Medborgarlöftena med aktiviteter och risker")
def api_promises(request: Request, person: Caller, key: str) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.read() as session:
        return _promises(session, Actor(key, person.email, web.today()), person)


@router.put(PROMISES + "/text", response_model=list[PromiseSummary], summary="Löftets text")
def api_promise_text(request: Request, person: Caller, key: str, text: PromiseText) -> Any:
    return _then(request, person, key, promises.set_promise_text, text, _promises)


@router.post(PROMISES + "/aktiviteter", response_model=list[PromiseSummary], status_code=201, summary="Ny aktivitet")
def api_add_activity(request: Request, person: Caller, key: str, activity: AddActivity) -> Any:
    return _then(request, person, key, promises.add_activity, activity, _promises)


@router.post(PROMISES + "/uppfoljning", response_model=list[PromiseSummary], summary="Följ upp en aktivitet")
def api_follow_up(request: Request, person: Caller, key: str, follow_up: FollowUpActivity) -> Any:
    return _then(request, person, key, promises.follow_up_activity, follow_up, _promises)


@router.post(
    PROMISES + "/kommunicerat", response_model=list[PromiseSummary], summary="När och hur löftet kommunicerades"
)
def api_communicated(request: Request, person: Caller, key: str, told: CommunicatePromise) -> Any:
    return _then(request, person, key, promises.communicate, told, _promises)


@router.post(PROMISES + "/underskrift", response_model=SigningResult, summary="Skriv under löftet man läst")
def api_sign_promise(request: Request, person: Caller, key: str, signing: ConfirmedSigning) -> Any:
    return _sign(request, person, key, signing.model_copy(update={"what": "promise"}))
