"""Logging in and out, invitations, my work, my account and the personal calendar feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from samverkan.scheduling.calendar import as_ics
from samverkan.services import accounts
from samverkan.services import personal_keys as keys
from samverkan.services.errors import ServiceError
from samverkan.services.lockout import request_unlock
from samverkan.services.my_work import my_work
from samverkan.services.personal_calendar import personal_calendar
from samverkan.web.forms import Logged, page_router
from samverkan.web.security import current_viewer, reading, set_session_cookie, state
from samverkan.web.views import Id, page, redirect, status_of

router = page_router()
EXPIRED = "Inbjudningslänken gäller inte längre."


def client_of(request: Request) -> str:
    return request.client.host if request.client else "okänd"


def _local_path(target: str) -> str:
    """Only paths on this site (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/mitt-arbete"


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return RedirectResponse("/mitt-arbete" if current_viewer(request) else "/logga-in", status_code=303)


@router.get("/logga-in", response_class=HTMLResponse)
def login_form(request: Request, nasta: str = "/mitt-arbete") -> Response:
    return page(request, "login.html.j2", next=_local_path(nasta), email="", error=None)


@router.post("/logga-in", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    nasta: Annotated[str, Form(max_length=500)] = "/mitt-arbete",
) -> Response:
    web, target = state(request), _local_path(nasta)
    try:
        with web.read() as session:  # Argon2 runs outside the writer's lock (issue 19)
            found = accounts.find_login(session, email, client_of(request))
        checked = accounts.check_password(found, password)
        with web.write() as session:
            secret, _token, person = accounts.finish_login(session, checked)
    except accounts.RateLimitedError as exc:
        if isinstance(exc, accounts.AccountLockedError):
            _send_unlock_link(request, email)
        return page(request, "login.html.j2", 429, next=target, email=email, error=str(exc), locked=True)
    except accounts.LoginFailedError as exc:
        with web.write() as session:
            keys.record_failed_login(session, email, client_of(request))
        return page(request, "login.html.j2", 401, next=target, email=email, error=str(exc))
    response = redirect(target, f"Välkommen, {person.name}!")
    set_session_cookie(response, web, secret)
    return response


def _send_unlock_link(request: Request, email: str) -> None:
    """The account is locked: its owner gets the link past the lock (at most one e-mail per window)."""
    with state(request).write() as session:
        sent = request_unlock(session, email)
    if sent is not None:
        request.app.state.deliver_soon(sent)


@router.post("/logga-ut")
def logout(request: Request, viewer: Logged) -> Response:
    with state(request).write() as session:
        keys.end_session(session, viewer.token.id)
    response = redirect("/logga-in", "Du är utloggad.")
    set_session_cookie(response, state(request), None)
    return response


@router.get("/inbjudan/{secret}", response_class=HTMLResponse)
def invitation_form(request: Request, secret: str) -> Response:
    with state(request).read() as session:
        person = keys.invited_person(session, secret)
    if person is None:
        return page(request, "invitation.html.j2", 404, person=None, error=EXPIRED)
    return page(request, "invitation.html.j2", person=person, error=None)


@router.post("/inbjudan/{secret}", response_class=HTMLResponse)
def accept_invitation(
    request: Request,
    secret: str,
    password: Annotated[str, Form(max_length=1000)] = "",
    password2: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    web = state(request)
    with web.read() as session:
        person = keys.invited_person(session, secret)
    if person is None:
        return page(request, "invitation.html.j2", 404, person=None, error=EXPIRED)
    if password != password2:
        return page(request, "invitation.html.j2", 422, person=person, error="Lösenorden är inte lika.")
    try:
        with web.write() as session:
            accounts.accept_invitation(session, secret, password)
    except ServiceError as exc:
        return page(request, "invitation.html.j2", status_of(exc), person=person, error=str(exc))
    return redirect("/logga-in", "Ditt lösenord är sparat. Logga in med din e-postadress.")


@router.get("/mitt-arbete", response_class=HTMLResponse)
def my_work_page(request: Request, viewer: Logged) -> Response:
    with reading(request) as session:  # the viewer's read: the menu reads the same roles
        work = my_work(session, viewer.person, state(request).today())
    return page(request, "my_work.html.j2", work=work)


@router.get("/konto", response_class=HTMLResponse)
def account_page(request: Request, viewer: Logged) -> Response:
    return _account_page(request, viewer)


def _account_page(
    request: Request, viewer: Logged, new_link: str | None = None, new_key: str | None = None
) -> Response:
    with state(request).read() as session:
        tokens = keys.personal_keys(session, viewer.person)
    return page(request, "account.html.j2", tokens=tokens, new_link=new_link, new_key=new_key)


@router.post("/konto/kalender", response_class=HTMLResponse)
def new_calendar_link(request: Request, viewer: Logged) -> Response:
    """A new personal calendar link; the previous one stops working. Shown once: only its hash is kept."""
    web = state(request)
    with web.write() as session:
        secret = keys.new_calendar_link(session, viewer.person)
    return _account_page(request, viewer, new_link=f"{web.settings.base_url.rstrip('/')}/kalender/{secret}.ics")


@router.post("/konto/kalender/aterkalla")
def revoke_calendar_link(request: Request, viewer: Logged) -> Response:
    with state(request).write() as session:
        count = keys.revoke_calendar_links(session, viewer.person)
    return redirect("/konto", "Kalenderlänken är återkallad." if count else "Du hade ingen kalenderlänk.")


@router.post("/konto/api-nyckel", response_class=HTMLResponse)
def new_api_key(request: Request, viewer: Logged, label_text: Annotated[str, Form()] = "") -> Response:
    with state(request).write() as session:
        secret = keys.new_api_key(session, viewer.person, label_text)
    return _account_page(request, viewer, new_key=secret)


@router.post("/konto/nyckel/{token_id}/aterkalla")
def revoke_key(request: Request, viewer: Logged, token_id: Id) -> Response:
    with state(request).write() as session:
        revoked = keys.revoke_key(session, viewer.person, token_id)
    return redirect("/konto", "Nyckeln är återkallad." if revoked else "Ingen sådan nyckel.")


@router.get("/kalender/{secret}.ics")
def calendar_feed(request: Request, secret: str) -> Response:
    """The personal årshjul for calendar programs: no login, the secret in the link is the key."""
    web = state(request)
    with web.read() as session:
        found = personal_calendar(session, secret, web.today())
    if found is None:
        return Response("Kalenderlänken gäller inte (återkallad eller okänd).\n", 404, media_type="text/plain")
    person, events = found
    return Response(as_ics(events, f"Samverkan – {person.name}"), media_type="text/calendar; charset=utf-8")
