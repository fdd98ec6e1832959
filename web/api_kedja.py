"""The HTTP API of indicators and the verkningskedja: list and read indicators, add a measurement, import a CSV
file of measurements (all or nothing, errors located by line), and the chain of the current cycle with its gaps.
Same authorisation and error answers as web/api.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from samverkan.services.chain import chain_json, current_chain, indicator_json
from samverkan.services.indicators import add_measurement, find_indicator, indicator_view, indicator_views
from samverkan.services.inputs import AddMeasurement, ImportMeasurements, MeasurementInput
from samverkan.services.measurements import ImportReport, import_measurements
from samverkan.web.api import ERRORS, Caller, act_as, member_in
from samverkan.web.security import state
from samverkan.web.views import Id

router = APIRouter(prefix="/api/v1", tags=["Indikatorer och verkningskedjan"], responses=ERRORS)


class LatestOut(BaseModel):
    period: str
    varde: float
    preliminart: bool


class IndicatorOut(BaseModel):
    id: int
    nyckel: str
    namn: str
    enhet: str
    senaste: LatestOut | None
    aktuellt: bool = Field(description="Senaste värdet är inte äldre än indikatorns intervall plus ett år")
    mal: float | None
    malar: int | None
    bedomning: str = Field(description="nadd, ej_nadd, inget_mal eller inget_varde")
    bedomning_text: str


class MeasurementOut(BaseModel):
    period: str
    varde: float
    preliminart: bool
    kalla: str | None


class IndicatorDetailOut(IndicatorOut):
    utgangsvarde: float | None
    utgangsar: int | None
    riket: float | None
    riket_ar: int | None
    matvarden: list[MeasurementOut]


class ImportOut(BaseModel):
    nya: int
    andrade: int
    oforandrade: int


class GapOut(BaseModel):
    typ: str
    rubrik: str
    text: str
    ankare: str


class MeasureLinkOut(BaseModel):
    id: int
    rubrik: str
    status: str
    genomfort_procent: int
    klart_senast: str
    uppfoljning: str
    indikatorer: list[IndicatorOut]


class CauseLinkOut(BaseModel):
    id: int
    nummer: int
    perspektiv: str
    direkt: bool
    bakomliggande_orsak: int | None
    beskrivning: str
    atgarder: list[MeasureLinkOut]


class ProblemLinkOut(BaseModel):
    id: int
    rubrik: str
    prioritet: int | None
    analys_klar: bool
    orsaker: list[CauseLinkOut]


class ChainOut(BaseModel):
    cykel: int | None
    problem: list[ProblemLinkOut]
    luckor: list[GapOut]


def _import_out(report: ImportReport) -> ImportOut:
    return ImportOut(nya=report.created, andrade=report.updated, oforandrade=report.unchanged)


@router.get("/organisationer/{key}/indikatorer", response_model=list[IndicatorOut], summary="Indikatorer")
def api_indicators(request: Request, person: Caller, key: str) -> Any:
    member = member_in(request, person, key)
    web = state(request)
    with web.read() as session:
        return [indicator_json(v) for v in indicator_views(session, member.organisation, web.today())]


@router.get("/organisationer/{key}/indikatorer/{indicator_id}", response_model=IndicatorDetailOut, summary="Indikator")
def api_indicator(request: Request, person: Caller, key: str, indicator_id: Id) -> Any:
    member = member_in(request, person, key)
    web = state(request)
    with web.read() as session:
        view = indicator_view(session, find_indicator(session, member.organisation, indicator_id), web.today())
        i = view.indicator
        measured = [
            {"period": m.period, "varde": m.value, "preliminart": m.preliminary, "kalla": m.source}
            for m in view.measurements
        ]
        reference = {"utgangsvarde": i.baseline_value, "utgangsar": i.baseline_year, "riket": i.national_value}
        return {**indicator_json(view), **reference, "riket_ar": i.national_year, "matvarden": measured}


@router.post(
    "/organisationer/{key}/indikatorer/{indicator_id}/matvarden",
    response_model=ImportOut,
    summary="Registrera ett mätvärde",
)
def api_add_measurement(
    request: Request, person: Caller, key: str, indicator_id: Id, measurement: MeasurementInput
) -> Any:
    given = AddMeasurement(indicator_id=indicator_id, **measurement.model_dump())
    return _import_out(act_as(request, person, key, lambda session, actor: add_measurement(session, actor, given)))


@router.post("/organisationer/{key}/matvarden", response_model=ImportOut, summary="Importera mätvärden (CSV)")
def api_import_measurements(request: Request, person: Caller, key: str, csv: ImportMeasurements) -> Any:
    """`text` is the CSV file's content (indikator;period;värde[;preliminär][;källa]), `file` its name for
    the error messages; nothing is imported unless every row is right."""
    return _import_out(act_as(request, person, key, lambda session, actor: import_measurements(session, actor, csv)))


@router.get("/organisationer/{key}/kedja", response_model=ChainOut, summary="Verkningskedjan med luckor")
def api_chain(request: Request, person: Caller, key: str) -> Any:
    member = member_in(request, person, key)
    web = state(request)
    with web.read() as session:
        return chain_json(current_chain(session, member.organisation, web.today()))
