"""The web app factory: pages, API, static files, security headers and error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from importlib.resources import files
from urllib.parse import quote

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from samverkan.core.pydantic_messages import pydantic_message
from samverkan.core.settings import Settings, get_settings
from samverkan.database import pooled_engine
from samverkan.services.errors import ServiceError
from samverkan.services.pdfa import STYLESHEET_HREF, stylesheet
from samverkan.templates.rendering import compile_templates
from samverkan.web import api, api_avtal, api_kedja, api_lagesbild, api_lan, api_orsak, api_utgang, health, pages
from samverkan.web.limits import BodyLimit
from samverkan.web.security import CsrfFailed, LoginRequired, SecurityHeaders, signed_out, typed_back
from samverkan.web.state import LOOKUP_THREADS, WebState
from samverkan.web.views import page, status_of

log = logging.getLogger("samverkan.web")

HTTP_ERRORS_SV: dict[int, str] = {
    400: "Begäran kunde inte tolkas.",
    401: "Du behöver logga in.",
    403: "Du har inte behörighet till det här.",
    404: "Sidan finns inte. Kontrollera adressen eller gå tillbaka.",
    405: "Metoden är inte tillåten för den här adressen.",
    406: "Svaret kan inte ges i det format som begärdes.",
    413: "Det som skickades är för stort.",
    415: "Formatet på det som skickades stöds inte.",
    422: "Uppgifterna är inte giltiga.",
    429: "För många förfrågningar. Vänta en stund och försök igen.",
    500: "Något gick fel hos oss. Försök igen om en stund.",
}


def documents_stylesheet() -> Response:
    """The packets' stylesheet for "Läs (webb)", served from the one file the PDFs inline (no copy in static/)."""
    return Response(stylesheet(), media_type="text/css; charset=utf-8")


def favicon() -> Response:
    """/favicon.ico, which browsers and crawlers ask for whatever the page says: the same SVG mark the pages link."""
    icon = (files("samverkan.web") / "static" / "favicon.svg").read_bytes()
    return Response(icon, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    # a connection for each page thread, the session lookups' threads, the sender's thread and a login's check
    # outside the write lock
    engine = engine or pooled_engine(settings.database_url, settings.web_threads + LOOKUP_THREADS + 2)
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="samverkan-leverans")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the threads that run pages and the API (and their sync dependencies): a few, not anyio's default 40
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        compile_templates("web")  # before the first visitor, not during the first visits
        yield
        sender.shutdown(wait=True)  # an invitation being sent finishes before the process ends

    app = FastAPI(
        title="Samverkan",
        summary="Kommunens och polisens lokala brottsförebyggande samverkan: cykeln, beslut, åtgärder och EST.",
        version="1",
        docs_url=None,  # served as a Swedish server-rendered page (web/pages/api_docs.py), no CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.web = WebState(engine, settings)

    def deliver_soon(notification_id: int) -> None:
        """Send one outbox row now, off the request (the delivery loop would send it within seconds anyway)."""
        from samverkan.notifications.delivery import deliver_pending

        def send() -> None:
            try:
                deliver_pending(engine, only_ids=[notification_id])
            except Exception:  # the row stays in the outbox; the delivery flow retries it
                log.exception("kunde inte skicka meddelande %s direkt; leveransflödet tar det", notification_id)

        sender.submit(send)

    app.state.deliver_soon = deliver_soon
    app.add_api_route(STYLESHEET_HREF, documents_stylesheet, include_in_schema=False)  # before the mount: wins
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(files("samverkan.web") / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(api_lagesbild.router)
    app.include_router(api_orsak.router)
    app.include_router(api_avtal.router)
    app.include_router(api_kedja.router)
    app.include_router(api_utgang.router)
    app.include_router(api_lan.router)
    app.include_router(health.router)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # outermost of ours: nothing reads a body before it is bounded

    _answer_errors(app)
    return app


def _form_page(path: str) -> str:
    """The page a form was posted from, to come back to after logging in: the form's own address if it is a page
    (`/org/x/beslut`), else the nearest page above it (`/org/x/beslut/6/justera` → `/org/x/beslut`)."""
    shown = [r for r in pages.router.routes if isinstance(r, APIRoute) and "GET" in (r.methods or ())]
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        if any(r.path_regex.match("/".join(parts)) for r in shown):
            return "/".join(parts)
        parts.pop()
    return "/mitt-arbete"


def _answer_errors(app: FastAPI) -> None:
    """Errors in Swedish: a login page, an error page, or for the API a JSON problem."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/logga-in?nasta={quote(target)}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
        if request.method == "POST" and signed_out(request):  # the session ended while the form was open
            typed = typed_back(request, await request.form())
            login = f"/logga-in?nasta={quote(_form_page(request.url.path))}"
            return page(request, "signed_out.html.j2", 401, login=login, typed=typed)
        return page(
            request,
            "error.html.j2",
            403,
            error="Formuläret kunde inte tas emot (säkerhetstoken saknas eller är för gammal). "
            "Gå tillbaka, ladda om sidan och försök igen.",
        )

    @app.exception_handler(ServiceError)
    async def refused(request: Request, exc: ServiceError) -> Response:
        if request.url.path.startswith("/api/"):
            return api.error_response(exc)
        return page(request, "error.html.j2", status_of(exc), error=str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        text = HTTP_ERRORS_SV.get(exc.status_code, f"Begäran kunde inte utföras (felkod {exc.status_code}).")
        if request.url.path.startswith("/api/") or request.url.path == "/api":
            return JSONResponse({"fel": text, "saknas": []}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "error.html.j2", exc.status_code, error=text)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return api.validation_response(exc)
        if all(e["loc"][:1] == ("path",) for e in exc.errors()):  # /problem/abc: no such page, not a bad form
            return page(request, "error.html.j2", 404, error=HTTP_ERRORS_SV[404])
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {pydantic_message(e)}" for e in exc.errors()]
        form_error = "Uppgifterna i formuläret är inte giltiga:"
        return page(request, "error.html.j2", 422, error=form_error, error_items=problems)
