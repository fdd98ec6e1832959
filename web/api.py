"""The HTTP API: the same actions as the pages, as JSON, described by OpenAPI (/api/openapi.json). Answers
are the service layer's own views (dataclasses) where it has them.

Authorised by personal API keys (Authorization: Bearer …, made on the account page); never by the session
cookie, so cross-site requests cannot use it. Errors are {"fel": text, "saknas": [...]} in Swedish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel import Session

from samverkan.core.pydantic_messages import pydantic_message
from samverkan.models import Decision, EstObservation, Person, TokenKind
from samverkan.models.enums import MeasureStatus
from samverkan.services import agreements, cycle, est, substance
from samverkan.services.actor import Actor
from samverkan.services.agreements import DecisionView, SigningResult
from samverkan.services.calendar_feed import organisation_calendar
from samverkan.services.cycle import CycleView
from samverkan.services.deliveries import delivery_log
from samverkan.services.errors import RefusedError, ServiceError
from samverkan.services.inputs import (
    CompleteItem,
    EvidenceInput,
    MeasureReport,
    Observation,
    RecordDecision,
    SignDecision,
    Signing,
    UpdateMeasure,
)
from samverkan.services.measure_list import current_measures
from samverkan.services.membership import Membership, member_of
from samverkan.services.my_work import WorkEntry, my_work
from samverkan.services.personal_keys import token_holder
from samverkan.web.security import state
from samverkan.web.views import Id, status_of

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

bearer = HTTPBearer(auto_error=False, description="Personlig API-nyckel från sidan Mitt konto")


class Problem(BaseModel):
    fel: str = Field(description="Vad som är fel, på svenska")
    saknas: list[str] = Field(default_factory=list, description="Det som saknas, när något saknas")


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in {
        401: "Ingen eller ogiltig API-nyckel",
        403: "Personen har ingen roll som får göra detta",
        404: "Finns inte",
        409: "Redan gjort av någon annan",
        422: "Ogiltiga uppgifter, eller går inte i nuvarande läge",
    }.items()
}
router = APIRouter(prefix="/api/v1", tags=["Samverkan"], responses=ERRORS)


class Unauthorised(ServiceError):
    pass


def error_response(exc: ServiceError) -> JSONResponse:
    status = 401 if isinstance(exc, Unauthorised) else status_of(exc)
    missing = exc.missing if isinstance(exc, RefusedError) else []
    text = str(exc).split("\n")[0] if missing else str(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(Problem(fel=text, saknas=missing).model_dump(), status_code=status, headers=headers)


def validation_response(exc: RequestValidationError) -> JSONResponse:
    problems = [f"{'.'.join(str(p) for p in e['loc'])}: {pydantic_message(e)}" for e in exc.errors()]
    return JSONResponse(Problem(fel="Ogiltiga uppgifter", saknas=problems).model_dump(), status_code=422)


def api_person(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Person:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("API-nyckel saknas (Authorization: Bearer …)")
    with state(request).read() as session:
        held = token_holder(session, credentials.credentials, TokenKind.API)
    if held is None:
        raise Unauthorised("API-nyckeln gäller inte (okänd, återkallad eller för gammal)")
    return held[1]


Caller = Annotated[Person, Depends(api_person)]


def _member(request: Request, person: Person, key: str) -> Membership:
    with state(request).read() as session:
        return member_of(session, person, key, state(request).today())


def _act(request: Request, person: Person, key: str, act: Callable[[Session, Actor], T]) -> T:
    """One action: the caller must hold a role in the organisation; the service runs in one write transaction."""
    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        return act(session, Actor(key, person.email, web.today()))


member_in, act_as = _member, _act  # for the areas' own API routers (web/api_<area>.py)


def _created(
    request: Request,
    person: Person,
    key: str,
    make: Callable[[Session, Actor, M], R],
    given: M,
    answer: Callable[[Session, Actor, R], T],
) -> T:
    """An action that makes a row: `answer` describes the row once it is flushed (and so has its number)."""

    def act(session: Session, actor: Actor) -> T:
        made = make(session, actor, given)
        session.flush()
        return answer(session, actor, made)

    return _act(request, person, key, act)


# -- models ----------------------------------------------------------------------------------------


class OrganisationWorkOut(BaseModel):
    key: str
    name: str
    roles: list[str]
    coordinating: bool
    phase: str | None
    overdue: int
    entries: list[WorkEntry]


class MyWorkOut(BaseModel):
    person: str
    email: str
    on: str
    organisations: list[OrganisationWorkOut]


class TransitionOut(BaseModel):
    completed_phase: str | None
    opened_phase: str | None
    closed_cycle: int | None
    new_cycle: int | None
    reopened: list[str] = []
    messages: list[str]


class MeasureOut(BaseModel):
    id: int
    title: str
    owner_role_key: str
    due_on: date
    status: MeasureStatus
    progress_pct: int


class ObservationOut(BaseModel):
    id: int
    observed_on: date
    category: str
    area: str


class EventOut(BaseModel):
    uid: str
    title: str
    kind: str
    body: str | None
    start: str
    end: str
    roles: list[str]
    moved_from: str | None


class NotificationOut(BaseModel):
    id: int
    kind: str
    subject: str
    status: str
    attempts: int
    created_at: str
    sent_at: str | None
    last_error: str | None


# -- endpoints -------------------------------------------------------------------------------------


@router.get("/mitt-arbete", response_model=MyWorkOut, summary="Mitt arbete i alla organisationer")
def api_my_work(request: Request, person: Caller) -> Any:
    web = state(request)
    with web.read() as session:
        return my_work(session, person, web.today()).to_dict()


@router.get("/organisationer/{key}/cykel", response_model=CycleView, summary="Cykelns läge")
def api_cycle(request: Request, person: Caller, key: str) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.read() as session:
        return cycle.cycle_status(session, key, web.today())


@router.post(
    "/organisationer/{key}/punkter/{item_id}/klar", response_model=TransitionOut, summary="Markera en punkt som klar"
)
def api_complete(request: Request, person: Caller, key: str, item_id: Id, evidence: EvidenceInput) -> Any:
    given = CompleteItem(item=str(item_id), evidence=evidence)
    moved = _act(request, person, key, lambda session, actor: cycle.complete_item(session, actor, given))
    return {**moved.__dict__, "messages": moved.describe()}


@router.post(
    "/organisationer/{key}/beslut", response_model=DecisionView, status_code=201, summary="Protokollför beslut"
)
def api_record_decision(request: Request, person: Caller, key: str, decision: RecordDecision) -> Any:
    return _created(request, person, key, agreements.record_decision, decision, _decision_out)


def _decision_out(session: Session, actor: Actor, recorded: Decision) -> DecisionView:
    return agreements.decision_view(session, actor.org_key, recorded.number)  # type: ignore[arg-type]


@router.post("/organisationer/{key}/beslut/{decision_id}/justering", response_model=DecisionView, summary="Justera")
def api_sign_decision(request: Request, person: Caller, key: str, decision_id: Id) -> Any:
    given = SignDecision(decision_id=decision_id)
    return _act(request, person, key, lambda session, actor: agreements.sign_decision(session, actor, given))


@router.post("/organisationer/{key}/underskrifter", response_model=SigningResult, summary="Skriv under för sin part")
def api_sign(request: Request, person: Caller, key: str, signing: Signing) -> Any:
    return _act(request, person, key, lambda session, actor: agreements.sign(session, actor, signing))


@router.get("/organisationer/{key}/atgarder", response_model=list[MeasureOut], summary="Åtgärder i pågående cykel")
def api_measures(request: Request, person: Caller, key: str) -> Any:
    member = _member(request, person, key)
    with state(request).read() as session:
        return current_measures(session, member.organisation)


@router.patch("/organisationer/{key}/atgarder/{measure_id}", response_model=MeasureOut, summary="Rapportera status")
def api_update_measure(request: Request, person: Caller, key: str, measure_id: Id, change: MeasureReport) -> Any:
    given = UpdateMeasure(measure_id=measure_id, **change.model_dump())
    return _act(request, person, key, lambda session, actor: substance.update_measure(session, actor, given))


@router.post(
    "/organisationer/{key}/est/observationer", response_model=ObservationOut, status_code=201, summary="EST-observation"
)
def api_observation(request: Request, person: Caller, key: str, observation: Observation) -> Any:
    return _created(request, person, key, est.report_observation, observation, _observation_out)


def _observation_out(_session: Session, _actor: Actor, saved: EstObservation) -> ObservationOut:
    return ObservationOut(id=saved.id, observed_on=saved.observed_on, category=saved.category, area=saved.area)


@router.get("/organisationer/{key}/arshjul", response_model=list[EventOut], summary="Årshjulet (mina händelser)")
def api_year_wheel(
    request: Request,
    person: Caller,
    key: str,
    fran: Annotated[date | None, Query(description="Första dag (standard: i dag)")] = None,
    dagar: Annotated[int, Query(ge=1, le=731, description="Antal dagar")] = 365,
    alla: Annotated[bool, Query(description="Hela organisationens årshjul, inte bara mina")] = False,
) -> Any:
    _member(request, person, key)
    web = state(request)
    first = fran or web.today()
    if not date(2000, 1, 1) <= first <= date(2100, 1, 1):
        raise RefusedError(f"startdagen {first} ligger utanför 2000–2100")
    with web.read() as session:
        events = organisation_calendar(session, key, first, first + timedelta(days=dagar), None if alla else person)
    return [
        {**e.to_dict(), "roles": list(e.roles), "start": e.start.isoformat(), "end": e.end.isoformat()} for e in events
    ]


@router.get("/organisationer/{key}/leveranser", response_model=list[NotificationOut], summary="Leveransloggen")
def api_deliveries(request: Request, person: Caller, key: str, antal: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.read() as session:
        log = delivery_log(session, Actor(key, person.email, web.today()), antal)
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "subject": n.subject,
            "status": n.status,
            "attempts": n.attempts,
            "created_at": n.created_at.isoformat(),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            "last_error": n.last_error,
        }
        for n, _person in log.rows
    ]
