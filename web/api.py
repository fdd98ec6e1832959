"""The HTTP API: the same actions as the pages, as JSON, described by OpenAPI (/api/openapi.json). Answers
are the service layer's own views (dataclasses) where it has them.

Authorised by personal API keys (Authorization: Bearer …, made on the account page); never by the session
cookie, so cross-site requests cannot use it. Errors are {"fel": text, "saknas": [...]} in Swedish."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel import col, select

from samverkan.models import Cycle, Measure, Notification, Person, TokenKind
from samverkan.models.enums import CycleStatus, EvidenceKind, MeasureStatus
from samverkan.services import accounts, agreements, cycle, est, substance
from samverkan.services.agreements import DecisionView, SigningResult
from samverkan.services.calendar_feed import organisation_calendar
from samverkan.services.cycle import CycleView
from samverkan.services.errors import NotFoundError, NotPermittedError, RefusedError, ServiceError
from samverkan.services.my_work import WorkEntry, my_work
from samverkan.web.security import state
from samverkan.web.views import Id, Membership, membership, status_of

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
    problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return JSONResponse(Problem(fel="Ogiltiga uppgifter", saknas=problems).model_dump(), status_code=422)


def api_person(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Person:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("API-nyckel saknas (Authorization: Bearer …)")
    with state(request).read() as session:
        token = accounts.valid_token(session, credentials.credentials, TokenKind.API)
        person = session.get(Person, token.person_id) if token else None
    if person is None:
        raise Unauthorised("API-nyckeln gäller inte (okänd, återkallad eller för gammal)")
    return person


Caller = Annotated[Person, Depends(api_person)]
OrgKey = Annotated[str, Field(min_length=1, max_length=64)]


def _member(request: Request, person: Person, key: str) -> Membership:
    from samverkan.web.security import Viewer

    with state(request).read() as session:
        return membership(session, request, Viewer(person, None), key)  # type: ignore[arg-type]


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


class EvidenceIn(BaseModel):
    title: str = Field(min_length=1, max_length=300, description="Vad beviset är")
    uri: str | None = Field(default=None, max_length=2000, description="Länk, sökväg eller diarienummer")
    decision_id: Id | None = Field(default=None, ge=1, le=2**31 - 1, description="Beslutets nummer")


class TransitionOut(BaseModel):
    completed_phase: str | None
    opened_phase: str | None
    closed_cycle: int | None
    new_cycle: int | None
    messages: list[str]


class DecisionIn(BaseModel):
    body_key: str = Field(min_length=1, max_length=64)
    kind: str = Field(default="beslut", min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=20000)
    decided_on: date | None = None
    diarienummer: str | None = Field(default=None, max_length=64)


class SigningIn(BaseModel):
    what: Literal["agreement", "promise"] = "agreement"
    kommun: str | None = Field(default=None, max_length=64, description="Vilken kommuns medborgarlöfte")


class MeasureOut(BaseModel):
    id: int
    title: str
    owner_role_key: str
    due_on: date
    status: MeasureStatus
    progress_pct: int


class MeasureIn(BaseModel):
    status: MeasureStatus | None = None
    progress_pct: int | None = Field(default=None, ge=0, le=100)


class ObservationIn(BaseModel):
    body_key: str = Field(min_length=1, max_length=64)
    observed_on: date
    category: str = Field(min_length=1, max_length=64)
    area: str = Field(min_length=1, max_length=120)
    source_function: str = Field(min_length=1, max_length=120)
    time_band: Literal["morgon", "dag", "kväll", "natt"] | None = None
    count: int | None = Field(default=None, ge=0, le=100000)
    severity: int | None = Field(default=None, ge=1, le=3)
    text: str | None = Field(default=None, max_length=2000)


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
def api_complete(request: Request, person: Caller, key: str, item_id: Id, evidence: EvidenceIn) -> Any:
    from samverkan.models import ChecklistItem

    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        item = session.get(ChecklistItem, item_id)
        if item is None:
            raise NotFoundError(f"punkt nr {item_id} finns inte")
        given = EvidenceKind(item.evidence_kind)
        moved = cycle.complete_item(
            session,
            key,
            person.email,
            web.today(),
            str(item_id),
            cycle.EvidenceInput(given, evidence.title, evidence.uri, evidence.decision_id),
        )
    return {**moved.__dict__, "messages": moved.describe()}


@router.post(
    "/organisationer/{key}/beslut", response_model=DecisionView, status_code=201, summary="Protokollför beslut"
)
def api_record_decision(request: Request, person: Caller, key: str, decision: DecisionIn) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        recorded = agreements.record_decision(
            session, key, person.email, web.today(), **decision.model_dump(exclude_none=False)
        )
        session.flush()
        return agreements.decision_view(session, key, recorded.id)  # type: ignore[arg-type]


@router.post("/organisationer/{key}/beslut/{decision_id}/justering", response_model=DecisionView, summary="Justera")
def api_sign_decision(request: Request, person: Caller, key: str, decision_id: Id) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        return agreements.sign_decision(session, key, person.email, web.today(), decision_id)


@router.post("/organisationer/{key}/underskrifter", response_model=SigningResult, summary="Skriv under för sin part")
def api_sign(request: Request, person: Caller, key: str, signing: SigningIn) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        return agreements.sign(session, key, person.email, web.today(), signing.what, signing.kommun)


def _active_cycle_id(session: Any, member: Membership) -> int | None:
    found = session.exec(
        select(Cycle.id).where(Cycle.organisation_id == member.organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    return found  # type: ignore[no-any-return]


@router.get("/organisationer/{key}/atgarder", response_model=list[MeasureOut], summary="Åtgärder i pågående cykel")
def api_measures(request: Request, person: Caller, key: str) -> Any:
    member = _member(request, person, key)
    with state(request).read() as session:
        cycle_id = _active_cycle_id(session, member)
        if cycle_id is None:
            return []
        return session.exec(select(Measure).where(Measure.cycle_id == cycle_id).order_by(Measure.due_on)).all()


@router.patch("/organisationer/{key}/atgarder/{measure_id}", response_model=MeasureOut, summary="Rapportera status")
def api_update_measure(request: Request, person: Caller, key: str, measure_id: Id, change: MeasureIn) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        return substance.update_measure(
            session, key, person.email, web.today(), measure_id=measure_id, **change.model_dump()
        )


@router.post(
    "/organisationer/{key}/est/observationer", response_model=ObservationOut, status_code=201, summary="EST-observation"
)
def api_observation(request: Request, person: Caller, key: str, observation: ObservationIn) -> Any:
    _member(request, person, key)
    web = state(request)
    with web.write() as session:
        saved = est.report_observation(session, key, person.email, web.today(), **observation.model_dump())
        session.flush()
        return ObservationOut(id=saved.id, observed_on=saved.observed_on, category=saved.category, area=saved.area)  # type: ignore[arg-type]


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
    member = _member(request, person, key)
    if not member.coordinating:
        raise NotPermittedError("leveransloggen är för samordnaren och kommunpolisen")
    with state(request).read() as session:
        rows = session.exec(
            select(Notification)
            .where(Notification.organisation_id == member.organisation.id)
            .order_by(col(Notification.id).desc())
            .limit(antal)
        ).all()
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
        for n in rows
    ]
