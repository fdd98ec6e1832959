"""The delivery log: what the outbox sent (services/deliveries.py decides who may read it)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.core.labels import label
from samverkan.services.deliveries import delivery_log
from samverkan.services.membership import Membership
from samverkan.web.forms import Logged, actor_of, page_router
from samverkan.web.views import show

router = page_router()


@router.get("/org/{key}/leveranser", response_class=HTMLResponse)
def delivery_page(request: Request, viewer: Logged, key: str) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        log = delivery_log(session, actor_of(request, viewer, key))
        return {"rows": log.rows, "attempts": log.attempts, "counts": log.counts, "label": label}

    return show(request, viewer, key, "deliveries.html.j2", read)
