"""A locked-out login: asking for the e-mailed link, and logging in with it past the lock (services/lockout.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from samverkan.services import accounts, lockout
from samverkan.services import personal_keys as keys
from samverkan.services.errors import RefusedError
from samverkan.web.forms import page_router
from samverkan.web.pages.account import client_of
from samverkan.web.security import set_session_cookie, state
from samverkan.web.views import page, redirect

router = page_router()
SENT = (
    "Om adressen hör till ett konto som är spärrat har vi skickat en länk dit som loggar in dig och häver spärren. "
    "Länken gäller ett dygn."
)


@router.post("/logga-in/las-upp", response_class=HTMLResponse)
def ask_for_link(request: Request, email: Annotated[str, Form(max_length=254)] = "") -> Response:
    """The same answer whether or not anything was sent: nobody learns which addresses have accounts."""
    web = state(request)
    with web.write() as session:
        sent = lockout.request_unlock(session, email)
    if sent is not None:
        request.app.state.deliver_soon(sent)
    return redirect("/logga-in", SENT)


@router.get("/las-upp/{secret}", response_class=HTMLResponse)
def unlock_form(request: Request, secret: str) -> Response:
    with state(request).read() as session:
        person = lockout.link_holder(session, secret)
    if person is None:
        return page(request, "unlock.html.j2", 404, person=None, error=lockout.EXPIRED)
    return page(request, "unlock.html.j2", person=person, error=None)


@router.post("/las-upp/{secret}", response_class=HTMLResponse)
def unlock(request: Request, secret: str, password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    web = state(request)
    with web.read() as session:
        person = lockout.link_holder(session, secret)
    if person is None:
        return page(request, "unlock.html.j2", 404, person=None, error=lockout.EXPIRED)
    try:
        with web.write() as session:
            session_secret, _token, person = lockout.login_with_link(session, secret, password, client_of(request))
    except RefusedError as exc:
        return page(request, "unlock.html.j2", 404, person=None, error=str(exc))
    except accounts.LoginFailedError as exc:
        with web.write() as session:
            keys.record_failed_login(session, person.email, client_of(request))
        return page(request, "unlock.html.j2", 401, person=person, error=str(exc))
    response = redirect("/mitt-arbete", f"Spärren är hävd. Välkommen, {person.name}!")
    set_session_cookie(response, web, session_secret)
    return response
