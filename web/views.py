"""Rendering pages: the base context every template gets, and errors shown in Swedish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from samverkan.services.errors import ConflictError, NotFoundError, NotPermittedError, RefusedError, ServiceError
from samverkan.services.membership import Membership, member_of, member_organisations
from samverkan.templates.rendering import render
from samverkan.web.nav import landing, org_links
from samverkan.web.security import NOTICE_COOKIE, Viewer, csrf_token, current_viewer, done_reading, reading, state

Id = Annotated[int, Path(ge=1, le=2_147_483_647, description="Nummer")]  # fits every database's integer
STATUS = {NotFoundError: 404, NotPermittedError: 403, ConflictError: 409, RefusedError: 422}


__all__ = ["Id", "Membership", "answer_member", "membership", "page", "redirect", "refused", "show", "status_of"]


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
        org_nav=org_links(member, request.url.path) if (member := context.get("member")) else [],
        landing=landing,
        **context,
    )
    done_reading(request)  # everything the page shows has been read
    response = HTMLResponse(html, status_code=status)
    if notice:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def _nav(request: Request, viewer: Viewer | None) -> list[tuple[str, str]]:
    if viewer is None:
        return []
    with reading(request) as session:
        orgs = member_organisations(session, viewer.person, state(request).today())
    return sorted((o.key, o.name) for o in orgs)


def refused(request: Request, error: ServiceError) -> HTMLResponse:
    """The error page for a refusal, with the refusal's status."""
    return page(request, "error.html.j2", status_of(error), error=str(error))


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """After a form: 303 to the page to show, with a one-time notice."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(NOTICE_COOKIE, quote(notice), httponly=True, samesite="lax", path="/", max_age=60)
    return response


def show(
    request: Request,
    viewer: Viewer,
    key: str,
    template: str,
    read: Callable[[Session, Membership], dict[str, Any]],
    error: ServiceError | None = None,
    **context: Any,
) -> HTMLResponse:
    """An organisation's page: the viewer's membership and what `read` returns, in one read transaction; with
    `error`, the page shown again after a refused action, with the refusal's status."""
    web = state(request)
    try:
        with reading(request) as session:
            member = membership(session, request, viewer, key)
            context |= read(session, member)
    except ServiceError as exc:
        return refused(request, exc)
    status, text = (status_of(error), str(error)) if error else (200, None)
    return page(request, template, status, member=member, error=text, today=web.today(), **context)


def answer_member(
    request: Request, viewer: Viewer, key: str, answer: Callable[[Session, Membership], Response]
) -> Response:
    """What `answer` gives a member of the organisation (such as a file), in one read transaction; a refusal
    (not a member, not found) shows the error page."""
    try:
        with reading(request) as session:
            answered = answer(session, membership(session, request, viewer, key))
    except ServiceError as exc:
        return refused(request, exc)
    done_reading(request)
    return answered


def membership(session: Session, request: Request, viewer: Viewer, org_key: str) -> Membership:
    """The viewer's roles in the organisation today, or NotPermitted (services/membership.py decides)."""
    return member_of(session, viewer.person, org_key, state(request).today())
