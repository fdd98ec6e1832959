"""The HTTP API of the regional level (issue 17): a kommun's weekly lägesbild contributions and compiling, and for
a länsstyrelse's people the county status and the monthly analysis — aggregates only, counts suppressed."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from samverkan.models import LagesbildContribution, WeeklyLagesbild
from samverkan.services.actor import Actor
from samverkan.services.county_analysis import monthly_analysis
from samverkan.services.county_scope import county_of_board
from samverkan.services.county_status import KommunStatus, county_status
from samverkan.services.errors import NotFoundError
from samverkan.services.inputs import CompileWeek, WeeklyContribution
from samverkan.services.weekly_lagesbild import compile_week, report_contribution
from samverkan.web.api import ERRORS, Caller, _created, _member
from samverkan.web.security import state
from samverkan.web.views import Id

router = APIRouter(prefix="/api/v1", tags=["Länet och veckolägesbilden"], responses=ERRORS)


class ContributionOut(BaseModel):
    id: int
    week_start: date = Field(description="Veckans måndag")
    category: str
    area: str
    count: int


class WeeklyOut(BaseModel):
    id: int
    week_start: date
    contributions: int
    rows: list[dict[str, Any]] = Field(description="Kategori, område, tid, antal, allvarlighetsgrad, utveckling")


class KommunMonthOut(BaseModel):
    key: str
    name: str
    weeks_expected: int
    weeks_compiled: int
    contributions: int
    categories: list[str]


class CategoryOut(BaseModel):
    name: str
    shown: str = Field(description="Länets antal; under 3 visas som <3")
    kommuner: list[str]
    per_kommun: dict[str, str]
    trend: str
    shared: bool = Field(description="Gemensam nämnare: fler än en kommun")


class AnalysisOut(BaseModel):
    county: str
    first: date
    last: date
    kommuner: list[KommunMonthOut]
    categories: list[CategoryOut]
    not_reported: list[str]
    not_in_samverkan: list[str]


@router.post(
    "/organisationer/{key}/veckolagesbild/bidrag",
    response_model=ContributionOut,
    status_code=201,
    summary="Bidrag till veckans lägesbild",
)
def api_contribution(request: Request, person: Caller, key: str, contribution: WeeklyContribution) -> Any:
    return _created(request, person, key, report_contribution, contribution, _contribution_out)


def _contribution_out(_session: Session, _actor: Actor, saved: LagesbildContribution) -> ContributionOut:
    return ContributionOut(
        id=saved.id, week_start=saved.week_start, category=saved.category, area=saved.area, count=saved.count
    )


@router.post(
    "/organisationer/{key}/veckolagesbild/sammanstallning",
    response_model=WeeklyOut,
    status_code=201,
    summary="Sammanställ veckolägesbilden",
)
def api_compile(request: Request, person: Caller, key: str, compiling: CompileWeek) -> Any:
    return _created(request, person, key, compile_week, compiling, _weekly_out)


def _weekly_out(_session: Session, _actor: Actor, saved: WeeklyLagesbild) -> WeeklyOut:
    return WeeklyOut(id=saved.id, week_start=saved.week_start, contributions=saved.contributions, rows=saved.rows)


@router.get("/organisationer/{key}/lan", response_model=list[KommunStatus], summary="Länets kommuner i dag")
def api_county(request: Request, person: Caller, key: str) -> Any:
    member = _member(request, person, key)
    web = state(request)
    with web.read() as session:
        return county_status(session, county_of_board(session, member.organisation), web.today())


@router.get("/organisationer/{key}/lan/analys/{year}/{month}", response_model=AnalysisOut, summary="Månadsanalys")
def api_analysis(request: Request, person: Caller, key: str, year: Id, month: Id) -> Any:
    member = _member(request, person, key)
    if month > 12 or not 2000 <= year <= 2100:
        raise NotFoundError(f"{year}-{month} är ingen månad")
    web = state(request)
    with web.read() as session:
        analysis = monthly_analysis(session, county_of_board(session, member.organisation), year, month, web.today())
    return AnalysisOut(
        county=analysis.county,
        first=analysis.first,
        last=analysis.last,
        kommuner=[KommunMonthOut(**vars(k)) for k in analysis.kommuner],
        categories=[
            CategoryOut(
                name=r.name, shown=r.shown, kommuner=r.kommuner, per_kommun=r.per_kommun, trend=r.trend, shared=r.shared
            )
            for r in analysis.categories
        ],
        not_reported=[k.name for k in analysis.not_reported],
        not_in_samverkan=analysis.not_in_samverkan,
    )
