"""Åtgärder: the list of the current cycle's åtgärder and reporting on one."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.models.enums import MeasureStatus
from samverkan.services import substance
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import UpdateMeasure
from samverkan.services.measure_list import current_measures_with_causes
from samverkan.services.membership import Membership
from samverkan.web.forms import Logged, Posted, form_fields, page_router, parse, submit
from samverkan.web.views import Id, show

router = page_router()


@router.get("/org/{key}/atgarder", response_class=HTMLResponse)
def measures_page(request: Request, viewer: Logged, key: str) -> Response:
    return _page(request, viewer, key)


def _page(request: Request, viewer: Logged, key: str, error: ServiceError | None = None) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        rows = current_measures_with_causes(session, member.organisation)
        measures = [{"m": m, "cause": c.description, "mine": m.owner_role_key in member.functions} for m, c in rows]
        return {"measures": measures, "statuses": list(MeasureStatus)}

    return show(request, viewer, key, "measures.html.j2", read, error)


@router.post("/org/{key}/atgarder/{measure_id}", response_class=HTMLResponse)
def update_measure(request: Request, viewer: Logged, key: str, measure_id: Id, form: Posted) -> Response:
    return submit(
        request, viewer, key,
        lambda session, actor: substance.update_measure(
            session, actor, parse(UpdateMeasure, form_fields(form), measure_id=measure_id)
        ),
        lambda measure: (f"/org/{key}/atgarder", f"'{measure.title}' är uppdaterad."),
        lambda exc: _page(request, viewer, key, exc),
    )  # fmt: skip
