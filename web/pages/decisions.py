"""Decisions and signatures: the register, recording a decision, justering, signing the agreement or a löfte."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.services import agreements
from samverkan.services.agreements import SigningResult
from samverkan.services.decision_register import decision_register
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import RecordDecision, SignDecision, Signing
from samverkan.services.membership import Membership
from samverkan.web.forms import Logged, Posted, form_fields, page_router, parse, submit
from samverkan.web.views import Id, show

router = page_router()


@router.get("/org/{key}/beslut", response_class=HTMLResponse)
def decisions_page(request: Request, viewer: Logged, key: str) -> Response:
    return _page(request, viewer, key)


def _page(request: Request, viewer: Logged, key: str, error: ServiceError | None = None) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        return decision_register(session, member.organisation)

    return show(request, viewer, key, "decisions.html.j2", read, error)


@router.post("/org/{key}/beslut", response_class=HTMLResponse)
def record_decision(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: agreements.record_decision(session, actor, parse(RecordDecision, form_fields(form))),
        lambda decision: (f"/org/{key}/beslut", f"Beslut nr {decision.id} är protokollfört."),
        lambda exc: _page(request, viewer, key, exc),
    )  # fmt: skip


@router.post("/org/{key}/beslut/{decision_id}/justera", response_class=HTMLResponse)
def justify(request: Request, viewer: Logged, key: str, decision_id: Id) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: agreements.sign_decision(session, actor, SignDecision(decision_id=decision_id)),
        lambda view: (f"/org/{key}/beslut", f"Beslut nr {decision_id} är justerat."),
        lambda exc: _page(request, viewer, key, exc),
    )  # fmt: skip


@router.post("/org/{key}/underskrift", response_class=HTMLResponse)
def sign(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: agreements.sign(session, actor, parse(Signing, form_fields(form))),
        lambda result: (f"/org/{key}/beslut", _signed(result)),
        lambda exc: _page(request, viewer, key, exc),
    )  # fmt: skip


def _signed(result: SigningResult) -> str:
    if result.missing:
        return f"Du har skrivit under {result.title}. Den väntar på underskrift från: {', '.join(result.missing)}."
    return f"{result.title} är nu undertecknad av alla parter."
