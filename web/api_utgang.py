"""The HTTP API for omtag and the yearly follow-up of indicators (the same actions as the cycle and follow-up
pages and the CLI, on the same input models)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from samverkan.services import cycle, follow_up
from samverkan.services.follow_up import IndicatorState
from samverkan.services.inputs import ExplainIndicator, ReopenPhase
from samverkan.web.api import ERRORS, Caller, TransitionOut, _act, _member
from samverkan.web.security import state

router = APIRouter(prefix="/api/v1", tags=["Samverkan"], responses=ERRORS)


@router.post("/organisationer/{key}/cykel/omtag", response_model=TransitionOut, summary="Omtag: gå tillbaka")
def api_reopen(request: Request, person: Caller, key: str, omtag: ReopenPhase) -> Any:
    """Gå tillbaka till en tidigare fas. Svaret listar varje punkt som öppnats igen och varför."""
    moved = _act(request, person, key, lambda session, actor: cycle.reopen_phase(session, actor, omtag))
    return {**moved.__dict__, "messages": moved.describe()}


@router.get(
    "/organisationer/{key}/uppfoljning", response_model=list[IndicatorState], summary="Indikatorer att följa upp"
)
def api_follow_up(request: Request, person: Caller, key: str) -> Any:
    """Indikatorerna som cykelns åtgärder vilar på: har de ett värde för cykeln, eller ett skäl till att det saknas?"""
    _member(request, person, key)
    with state(request).read() as session:
        return follow_up.indicator_states(session, key)


@router.post(
    "/organisationer/{key}/uppfoljning/skal", response_model=list[IndicatorState], summary="Skäl till att värde saknas"
)
def api_explain(request: Request, person: Caller, key: str, skal: ExplainIndicator) -> Any:
    def act(session: Any, actor: Any) -> list[IndicatorState]:
        follow_up.explain_indicator(session, actor, skal)
        session.flush()
        return follow_up.indicator_states(session, key)

    return _act(request, person, key, act)
