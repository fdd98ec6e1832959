"""An organisation's overview page, handing over a role and inviting a person."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.services import accounts, handover
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import Handover, Invite
from samverkan.services.membership import Membership
from samverkan.services.overview import organisation_overview
from samverkan.web.forms import Logged, Posted, form_fields, page_router, parse, submit
from samverkan.web.security import state
from samverkan.web.views import show

router = page_router()


@router.get("/org/{key}", response_class=HTMLResponse)
def organisation_page(request: Request, viewer: Logged, key: str) -> Response:
    return _page(request, viewer, key)


def _page(request: Request, viewer: Logged, key: str, error: ServiceError | None = None) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        return {"org": organisation_overview(session, key, state(request).today())}

    return show(request, viewer, key, "organisation.html.j2", read, error)


@router.post("/org/{key}/overlamning", response_class=HTMLResponse)
def handover_role(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    given = form_fields(form)
    return submit(
        request, viewer, key,
        lambda session, actor: handover.handover(session, actor, parse(Handover, given)),
        lambda assignment: (f"/org/{key}", _handed_over(given, assignment.starts_on)),
        lambda exc: _page(request, viewer, key, exc),
    )  # fmt: skip


def _handed_over(given: dict[str, str], starts_on: date) -> str:
    return f"Rollen lämnas över till {given.get('to_email', '')} från {starts_on}."


@router.post("/org/{key}/bjud-in", response_class=HTMLResponse)
def invite_person(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: accounts.invite(session, actor, parse(Invite, form_fields(form))),
        lambda invitation: (f"/org/{key}", f"Inbjudan till {invitation.person.name} ligger i utkorgen och skickas nu."),
        lambda exc: _page(request, viewer, key, exc),
        committed=lambda invitation: request.app.state.deliver_soon(invitation.notification_id),
    )  # fmt: skip
