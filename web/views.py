"""Rendering pages: the base context every template gets, and errors shown in Swedish."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from samverkan.models import Organisation, Role
from samverkan.services.access import COORDINATING
from samverkan.services.errors import ConflictError, NotFoundError, NotPermittedError, RefusedError, ServiceError
from samverkan.services.my_work import held_roles
from samverkan.services.overview import find_organisation
from samverkan.templates.rendering import render
from samverkan.web.security import NOTICE_COOKIE, Viewer, csrf_token, current_viewer, state

Id = Annotated[int, Path(ge=1, le=2_147_483_647, description="Nummer")]  # fits every database's integer
STATUS = {NotFoundError: 404, NotPermittedError: 403, ConflictError: 409, RefusedError: 422}


def status_of(error: ServiceError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    viewer = current_viewer(request)
    notice = request.cookies.get(NOTICE_COOKIE)
    html = render(
        f"web/{template}",
        viewer=viewer,
        csrf=csrf_token(request),
        notice=unquote(notice) if notice else None,
        path=request.url.path,
        nav_orgs=context.pop("nav_orgs", None) or _nav(request, viewer),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if notice:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def _nav(request: Request, viewer: Viewer | None) -> list[tuple[str, str]]:
    if viewer is None:
        return []
    web = state(request)
    with web.read() as session:
        ids = list(held_roles(session, viewer.person, web.today()))
        orgs = [session.get(Organisation, i) for i in ids]
    return sorted((o.key, o.name) for o in orgs if o is not None and o.config_hash is not None)


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """After a form: 303 to the page to show, with a one-time notice."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(NOTICE_COOKIE, quote(notice), httponly=True, samesite="lax", path="/", max_age=60)
    return response


class Membership:
    """The viewer in one organisation today: their roles and what that lets them do."""

    def __init__(self, organisation: Organisation, roles: list[Role]) -> None:
        self.organisation = organisation
        self.roles = roles
        self.functions = {r.function or r.key for r in roles} | {r.key for r in roles}

    @property
    def coordinating(self) -> bool:
        return bool(self.functions & set(COORDINATING))

    @property
    def role_names(self) -> str:
        return ", ".join(r.name for r in self.roles)


def membership(session: Session, request: Request, viewer: Viewer, org_key: str) -> Membership:
    """The viewer's roles in the organisation, or NotPermitted: only those with a role see its pages."""
    organisation = find_organisation(session, org_key)
    roles = held_roles(session, viewer.person, state(request).today()).get(organisation.id, [])  # type: ignore[arg-type]
    if not roles:
        raise NotPermittedError(f"Du har ingen roll i {organisation.name} i dag och kan därför inte se dess sidor.")
    return Membership(organisation, roles)
