"""Request bodies are bounded before anything parses them: an ASGI middleware refuses a declared
Content-Length over the limit at once (413, the body unread) and counts the bytes of a streamed (chunked)
body, answering 413 at the limit and telling the app the client left. A request without a session cookie or
an API key gets a small limit; the largest upload (services/uploads.MAX_UPLOAD) plus its form fits the other.
The 413 is Swedish: an error page for a browser, a JSON problem for /api/ (like the app's other errors)."""

from __future__ import annotations

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samverkan.services.uploads import MAX_UPLOAD
from samverkan.templates.rendering import render
from samverkan.web.security import HEADERS, SESSION_COOKIE

ANONYMOUS_BODY = 64 * 1024
SIGNED_IN_BODY = MAX_UPLOAD + 1024 * 1024
TOO_LARGE = "Det som skickades är för stort"


def too_large(scope: Scope, limit: int) -> Response:
    """The 413 answer in Swedish: JSON for the API, otherwise the app's error page (read before any session,
    so without the signed-in menu), with the security headers the app's own answers carry."""
    text = f"{TOO_LARGE} (högst {limit // 1024} KiB{'' if limit == ANONYMOUS_BODY else ' inloggad'})."
    if limit == ANONYMOUS_BODY:
        text += " Logga in först om du ska skicka en fil."
    headers = {**HEADERS, "Connection": "close", "Cache-Control": "no-store"}
    path = str(scope.get("path", ""))
    if path == "/api" or path.startswith("/api/"):
        return JSONResponse({"fel": text, "saknas": []}, 413, headers=headers)
    html = render(
        "web/error.html.j2", viewer=None, csrf="", notice=None, path=path, nav_orgs=[], error=text, status=413
    )
    return HTMLResponse(html, 413, headers=headers)


def body_limit(scope: Scope) -> int:
    """The most bytes this request may send: small unless it carries a session cookie or a Bearer key."""
    headers = dict(scope.get("headers") or [])
    signed_in = SESSION_COOKIE.encode() + b"=" in headers.get(b"cookie", b"") or b"authorization" in headers
    return SIGNED_IN_BODY if signed_in else ANONYMOUS_BODY


def declared_length(scope: Scope) -> int | None:
    """The Content-Length as a number; -1 when it is not one; None when the body is streamed."""
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, declared = body_limit(scope), declared_length(scope)
        if declared is not None and not 0 <= declared <= limit:
            await too_large(scope, limit)(scope, receive, send)
            return
        received, refused = 0, False

        async def counted() -> Message:
            """The body's next part; past the limit, the 413 is answered and the app told the client left."""
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    refused = True
                    await too_large(scope, limit)(scope, receive, send)
            return {"type": "http.disconnect"} if refused else message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)
