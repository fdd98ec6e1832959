"""The delivery log: what the outbox sent (services/deliveries.py decides who may read it), and sending failed
messages again (services/redelivery.py)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.core.labels import label
from samverkan.services.deliveries import delivery_log
from samverkan.services.errors import ServiceError
from samverkan.services.membership import Membership
from samverkan.services.redelivery import retry_from_log
from samverkan.web.forms import Logged, Posted, actor_of, page_router, submit
from samverkan.web.views import Id, show

router = page_router()


@router.get("/org/{key}/leveranser", response_class=HTMLResponse)
def delivery_page(request: Request, viewer: Logged, key: str) -> Response:
    return _page(request, viewer, key)


def _page(request: Request, viewer: Logged, key: str, error: ServiceError | None = None) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        log = delivery_log(session, actor_of(request, viewer, key))
        return {"rows": log.rows, "attempts": log.attempts, "counts": log.counts, "label": label}

    return show(request, viewer, key, "deliveries.html.j2", read, error)


@router.post("/org/{key}/leveranser/skicka-igen", response_class=HTMLResponse)
def retry_all_failed(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    return _retry(request, viewer, key, None)


@router.post("/org/{key}/leveranser/{notification_id}/skicka-igen", response_class=HTMLResponse)
def retry_one(request: Request, viewer: Logged, key: str, notification_id: Id, form: Posted) -> Response:
    return _retry(request, viewer, key, notification_id)


def _retry(request: Request, viewer: Logged, key: str, notification_id: int | None) -> Response:
    """Failed messages back in the queue: the delivery flow sends them within five minutes."""
    return submit(
        request, viewer, key,
        lambda session, actor: retry_from_log(session, actor, notification_id),
        lambda ids: (f"/org/{key}/leveranser", f"{len(ids)} meddelanden köas igen och skickas inom fem minuter."),
        lambda exc: _page(request, viewer, key, exc),
    )  # fmt: skip
