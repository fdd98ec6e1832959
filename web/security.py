"""Sessions, CSRF and the response headers every page gets.

The session cookie holds a random secret whose SHA-256 names a `person_token` row: logging out or a new
password revokes it in the database. Every form carries a CSRF token: a logged-in person's is bound to the
session row; the login and invitation forms use a double-submit cookie. The API takes Bearer tokens only,
so no cookie ever authorises an API call."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import anyio.to_thread
from annotated_types import MaxLen
from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samverkan.models import Person, PersonToken, TokenKind
from samverkan.services.personal_keys import token_holder
from samverkan.web.state import WebState

SESSION_COOKIE = "samverkan_session"
ANON_CSRF_COOKIE = "samverkan_csrf"
NOTICE_COOKIE = "samverkan_notice"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # invitation and calendar links carry secrets in the path
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


_RAW_HEADERS = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]


class LoginRequired(Exception):
    """Raised by pages that need a logged-in person; answered with a redirect to the login page."""


class CsrfFailed(Exception):
    pass


@dataclass
class Viewer:
    person: Person
    token: PersonToken

    @property
    def csrf(self) -> str:
        return self.token.csrf or ""


def state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """The page's read transaction: its membership, what it shows and its menu are read in one session on one
    connection, in the thread that answers the request. Opened at first use, closed by `done_reading` (views.page
    does, once the page is rendered) or, at the latest, by `SecurityHeaders` once the answer is sent. An error
    inside rolls the reads back, so the session stays usable for the error page."""
    session: Session | None = getattr(request.state, "reads", None)
    if session is None:
        session = Session(state(request).engine, expire_on_commit=False)
        request.state.reads = session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise


def done_reading(request: Request) -> None:
    """Close the request's read transaction, if one is open (its rows stay usable, detached)."""
    session: Session | None = getattr(request.state, "reads", None)
    if session is not None:
        del request.state.reads
        session.close()


def current_viewer(request: Request) -> Viewer | None:
    if hasattr(request.state, "viewer"):  # looked up once per request
        cached: Viewer | None = request.state.viewer
        return cached
    viewer = None
    secret = request.cookies.get(SESSION_COOKIE, "")
    if secret:
        # its own short transaction: it is looked up in a dependency's thread, and a connection held from there
        # to the page's thread would wait for a free thread with it (all threads could end up waiting for a
        # connection that way)
        with state(request).lookup() as session:
            held = token_holder(session, secret, TokenKind.SESSION)
        viewer = Viewer(held[1], held[0]) if held else None
    request.state.viewer = viewer
    return viewer


async def looked_up_viewer(request: Request) -> Viewer | None:
    """`current_viewer`, looked up on the web's lookup threads (web/state.py), not a page thread: under load a
    request would otherwise queue for a page thread twice, once for this lookup and once for its page."""
    if hasattr(request.state, "viewer") or not request.cookies.get(SESSION_COOKIE):
        return current_viewer(request)  # known, or nobody to look up: nothing to read
    return await anyio.to_thread.run_sync(current_viewer, request, limiter=state(request).lookups)


async def require_viewer(request: Request) -> Viewer:
    viewer = await looked_up_viewer(request)
    if viewer is None:
        raise LoginRequired()
    return viewer


def anonymous_csrf(request: Request) -> str:
    """The double-submit token for forms shown before login (set as a cookie by the middleware)."""
    token = request.cookies.get(ANON_CSRF_COOKIE) or getattr(request.state, "new_anon_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_anon_csrf = token
    return token


def csrf_token(request: Request) -> str:
    viewer = current_viewer(request)
    return viewer.csrf if viewer else anonymous_csrf(request)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = csrf_token(request)
    if not submitted or not expected or not hmac.compare_digest(submitted, expected):
        raise CsrfFailed()


async def csrf_protected(request: Request) -> None:
    """Router dependency: every POST to a page must carry the form's CSRF token (the form is parsed once;
    the handler's Form parameters read the same parsed form)."""
    if request.method != "POST":
        return
    submitted = (await request.form()).get("csrf_token")
    await looked_up_viewer(request)  # the rest of the check reads nothing
    check_csrf(request, submitted if isinstance(submitted, str) else None)


def signed_out(request: Request) -> bool:
    """Whether a refused form was posted by someone no longer logged in to a page that needs it: their session
    ended (expired, logged out elsewhere, a new password) between showing the form and posting it."""
    route = request.scope.get("route")
    return isinstance(route, APIRoute) and current_viewer(request) is None and require_viewer in _calls(route.dependant)


def _calls(dependant: Dependant) -> Iterator[object]:
    yield dependant.call
    for inner in dependant.dependencies:
        yield from _calls(inner)


def typed_back(request: Request, form: Mapping[str, object]) -> list[tuple[str, str]] | None:
    """What the person typed in a form that could not be taken, to show them (title, text) so they can copy it;
    None when it may not be shown. Nothing is stored: it is the posted form, shown once in the answer to the
    same browser (never cached: no-store). Shown only when the browser says the post came from one of our own
    pages (Sec-Fetch-Site), so another site cannot post text that our page would then show as ours."""
    if request.headers.get("sec-fetch-site") != "same-origin":
        return None
    endpoint = request.scope.get("endpoint")
    model = getattr(endpoint, "model", None)
    fields = getattr(model, "model_fields", {})
    typed = []
    for name, value in form.items():
        known = fields.get(name)
        if name == "csrf_token" or not isinstance(value, str) or not value.strip():
            continue
        if known is None or known.annotation not in (str, str | None) or _chosen(known.metadata, value):
            continue  # a choice, a date, a number or a hidden key: chosen again in a moment, not typed
        typed.append((known.title or name, value))
    return typed


def _chosen(metadata: list[object], value: str) -> bool:
    """A key-like field (at most 64 characters, one word: an organ, a kind of decision), not text typed out."""
    longest = min((m.max_length for m in metadata if isinstance(m, MaxLen)), default=None)
    return longest is not None and longest <= 64 and " " not in value.strip()


def set_session_cookie(response: Response, web: WebState, secret: str | None) -> None:
    if secret is None:
        response.delete_cookie(SESSION_COOKIE, path="/")
        return
    response.set_cookie(
        SESSION_COOKIE, secret, httponly=True, secure=web.secure_cookies, samesite="lax", path="/", max_age=12 * 3600
    )


class SecurityHeaders:
    """Security headers on every answer, `no-store` on all but static files, and the anonymous CSRF cookie when a
    form made one. A plain ASGI middleware: it edits the answer's first message, with no task or queue of its own
    per request (Starlette's `@app.middleware("http")` adds both)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def finish(message: Message) -> None:
            if message["type"] == "http.response.start":
                # the raw header list edited in place (MutableHeaders' per-header scans cost more than the rest)
                raw = message["headers"] = list(message.get("headers", ()))
                present = {name.lower() for name, _value in raw}
                raw.extend(header for header in _RAW_HEADERS if header[0] not in present)
                if not scope["path"].startswith("/static/"):  # pages and API answers may show secrets: never cached
                    raw[:] = [header for header in raw if header[0].lower() != b"cache-control"]
                    raw.append((b"cache-control", b"no-store"))
                new = scope.get("state", {}).get("new_anon_csrf")
                if new:
                    cookie = Response()
                    cookie.set_cookie(
                        ANON_CSRF_COOKIE, new, httponly=True, samesite="strict", path="/",
                        secure=scope["app"].state.web.secure_cookies,
                    )  # fmt: skip
                    raw.append((b"set-cookie", cookie.headers["set-cookie"].encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, finish)
        finally:
            reads = scope.get("state", {}).pop("reads", None)
            if reads is not None:  # an answer that did not close its reads (an error): closed here, at once
                reads.close()
