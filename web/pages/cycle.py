"""The cycle: its page, starting it, omtag, one item's page, completing an item with evidence, uploaded files."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session

from samverkan.core.ids import saved_id
from samverkan.models import Cycle
from samverkan.process.owners import runs_cycle
from samverkan.services import cycle, upgrade
from samverkan.services.actor import Actor
from samverkan.services.cycle import Transition
from samverkan.services.errors import NotFoundError
from samverkan.services.inputs import CompleteItem, EvidenceInput, ReopenPhase
from samverkan.services.items import item_details
from samverkan.services.membership import Membership
from samverkan.services.upgrade import UpgradeResult
from samverkan.services.uploads import MAX_UPLOAD, find_upload, keep_file, record_upload, upload_place
from samverkan.web.forms import Logged, NoInput, Page, Posted, Visit, form_fields, page_router, parse, submit, upload_of
from samverkan.web.security import state
from samverkan.web.views import Id, answer_member


def _read_cycle(visit: Visit) -> Mapping[str, object]:
    """The cycle's page; an organisation that runs no cycle (a länsstyrelse) is told so and offered no start."""
    own = runs_cycle(visit.member.organisation.kind)
    try:
        return {"view": cycle.cycle_status(visit.session, visit.key, visit.today), "runs_cycle": own}
    except NotFoundError:
        return {"view": None, "runs_cycle": own}


def _start(session: Session, actor: Actor, _none: NoInput) -> Cycle:
    return cycle.start_cycle(session, actor)


def _reopened(moved: Transition, _given: ReopenPhase) -> str:
    """The notice after an omtag: where the cycle is and what opened again (each item's why is in the history)."""
    return " ".join([*moved.describe()[:1], *moved.reopened_summary]) or "Omtaget är gjort."


def _upgrade(session: Session, actor: Actor, _none: NoInput) -> UpgradeResult:
    """A coordinator moves the running cycle onto the process definition file as it is now."""
    return upgrade.upgrade_definition(session, actor)


def _read_item(visit: Visit) -> dict[str, object]:
    return item_details(visit.session, visit.key, visit.numbers["item_id"], visit.today, visit.viewer.person)


router = page_router()
cycle_page = Page(router, "/org/{key}/cykel", "cycle.html.j2", _read_cycle)
cycle_page.action("/org/{key}/cykel/starta", NoInput, _start, "Cykel {result.number} har startat.")
cycle_page.action("/org/{key}/cykel/omtag", ReopenPhase, cycle.reopen_phase, _reopened)
cycle_page.action("/org/{key}/cykel/uppgradera", NoInput, _upgrade, lambda result, _none: result.describe()[0])

item_page = Page(router, "/org/{key}/punkt/{item_id}", "item.html.j2", _read_item)


@router.post("/org/{key}/punkt/{item_id}", response_class=HTMLResponse)
def complete_item(request: Request, viewer: Logged, key: str, item_id: Id, form: Posted) -> Response:
    """Complete the item with the evidence given; an uploaded file is kept and becomes the evidence's place."""
    fields, upload = form_fields(form), upload_of(form)
    data = upload.file.read(MAX_UPLOAD + 1) if upload else b""

    def act(session: Session, actor: Actor) -> Transition:
        evidence, stored = dict(fields), None
        if upload is not None:
            stored = record_upload(session, actor, upload.filename or "fil", data)
            evidence["uri"] = upload_place(key, saved_id(stored))
            evidence["title"] = evidence.get("title", "").strip() or stored.filename
        given = CompleteItem(item=str(item_id), evidence=parse(EvidenceInput, evidence))
        transition = cycle.complete_item(session, actor, given)
        if stored is not None:  # written only once the completion is allowed, before the commit
            keep_file(state(request).uploads_dir, stored, data)
        return transition

    return submit(
        request, viewer, key, act,
        lambda done: (f"/org/{key}/cykel", " ".join([f"'{done.completed_item}' är klar.", *done.describe()])),
        item_page.again(request, viewer, key, form, item_id=item_id),
    )  # fmt: skip


@router.get("/org/{key}/filer/{upload_id}")
def download_upload(request: Request, viewer: Logged, key: str, upload_id: Id) -> Response:
    def answer(session: Session, _member: Membership) -> Response:
        upload = find_upload(session, key, upload_id)
        path = state(request).uploads_dir / upload.sha256
        return FileResponse(path, media_type=upload.content_type, filename=upload.filename)

    return answer_member(request, viewer, key, answer)
