"""The cycle: its page, starting it, omtag, one item's page, completing an item with evidence, uploaded files."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session

from samverkan.services import cycle, upgrade
from samverkan.services.actor import Actor
from samverkan.services.cycle import Transition
from samverkan.services.errors import NotFoundError, ServiceError
from samverkan.services.inputs import CompleteItem, EvidenceInput, ReopenPhase
from samverkan.services.items import checklist_item, item_details
from samverkan.services.membership import Membership
from samverkan.services.uploads import MAX_UPLOAD, find_upload, store_upload
from samverkan.web.forms import Logged, Posted, form_fields, page_router, parse, submit, upload_of
from samverkan.web.security import state
from samverkan.web.views import Id, membership, refused, show

router = page_router()


@router.get("/org/{key}/cykel", response_class=HTMLResponse)
def cycle_page(request: Request, viewer: Logged, key: str) -> Response:
    return _cycle_page(request, viewer, key)


def _cycle_page(request: Request, viewer: Logged, key: str, error: ServiceError | None = None) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        try:
            return {"view": cycle.cycle_status(session, key, state(request).today())}
        except NotFoundError:
            return {"view": None}

    return show(request, viewer, key, "cycle.html.j2", read, error)


@router.post("/org/{key}/cykel/starta", response_class=HTMLResponse)
def start_cycle(request: Request, viewer: Logged, key: str) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: cycle.start_cycle(session, actor),
        lambda started: (f"/org/{key}/cykel", f"Cykel {started.number} har startat."),
        lambda exc: _cycle_page(request, viewer, key, exc),
    )  # fmt: skip


@router.post("/org/{key}/cykel/omtag", response_class=HTMLResponse)
def reopen(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: cycle.reopen_phase(session, actor, parse(ReopenPhase, form_fields(form))),
        lambda moved: (f"/org/{key}/cykel", " ".join(moved.describe()) or "Omtaget är gjort."),
        lambda exc: _cycle_page(request, viewer, key, exc),
    )  # fmt: skip


@router.post("/org/{key}/cykel/uppgradera", response_class=HTMLResponse)
def upgrade_definition(request: Request, viewer: Logged, key: str) -> Response:
    """A coordinator moves the running cycle onto the process definition file as it is now."""
    return submit(
        request, viewer, key,
        lambda session, actor: upgrade.upgrade_definition(session, actor),
        lambda result: (f"/org/{key}/cykel", result.describe()[0]),
        lambda exc: _cycle_page(request, viewer, key, exc),
    )  # fmt: skip


@router.get("/org/{key}/punkt/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, viewer: Logged, key: str, item_id: Id) -> Response:
    return _item_page(request, viewer, key, item_id)


def _item_page(request: Request, viewer: Logged, key: str, item_id: int, error: ServiceError | None = None) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        return item_details(session, key, item_id, state(request).today())

    return show(request, viewer, key, "item.html.j2", read, error)


@router.post("/org/{key}/punkt/{item_id}", response_class=HTMLResponse)
def complete_item(request: Request, viewer: Logged, key: str, item_id: Id, form: Posted) -> Response:
    """Complete the item with the evidence given; an uploaded file is kept and becomes the evidence's place."""
    fields, upload = form_fields(form), upload_of(form)
    data = upload.file.read(MAX_UPLOAD + 1) if upload else b""

    def act(session: Session, actor: Actor) -> tuple[str, Transition]:
        item = checklist_item(session, key, item_id)
        evidence = dict(fields)
        if upload is not None:
            stored = store_upload(session, actor, state(request).uploads_dir, upload.filename or "fil", data)
            evidence["uri"] = f"/org/{key}/filer/{stored.id}"
            evidence["title"] = evidence.get("title", "").strip() or stored.filename
        given = CompleteItem(item=str(item_id), evidence=parse(EvidenceInput, evidence))
        return item.title, cycle.complete_item(session, actor, given)

    return submit(
        request, viewer, key, act,
        lambda done: (f"/org/{key}/cykel", " ".join([f"'{done[0]}' är klar.", *done[1].describe()])),
        lambda exc: _item_page(request, viewer, key, item_id, exc),
    )  # fmt: skip


@router.get("/org/{key}/filer/{upload_id}")
def download_upload(request: Request, viewer: Logged, key: str, upload_id: Id) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            membership(session, request, viewer, key)
            upload = find_upload(session, key, upload_id)
    except ServiceError as exc:
        return refused(request, exc)
    return FileResponse(web.uploads_dir / upload.sha256, media_type=upload.content_type, filename=upload.filename)
