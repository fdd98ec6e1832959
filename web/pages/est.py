"""EST: the lägesbild and reporting an observation from a phone."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.models.enums import BodyKind
from samverkan.services import est
from samverkan.services.bodies import active_bodies
from samverkan.services.documents import lagesbild_summary
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import Observation
from samverkan.services.membership import Membership
from samverkan.web.forms import Logged, Posted, form_fields, page_router, parse, submit
from samverkan.web.security import state
from samverkan.web.views import show

router = page_router()


@router.get("/org/{key}/est", response_class=HTMLResponse)
def est_page(request: Request, viewer: Logged, key: str) -> Response:
    return _page(request, viewer, key)


def _page(
    request: Request, viewer: Logged, key: str, error: ServiceError | None = None, form: Mapping[str, str] | None = None
) -> Response:
    def read(session: Session, member: Membership) -> dict[str, object]:
        return {
            "bodies": active_bodies(session, member.organisation, BodyKind.EST),
            "picture": lagesbild_summary(session, member.organisation, state(request).today(), days=90),
        }

    return show(request, viewer, key, "est.html.j2", read, error, form=form or {}, time_bands=est.TIME_BANDS)


@router.post("/org/{key}/est", response_class=HTMLResponse)
def report_observation(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    typed = form_fields(form)  # kept when the page is shown again
    return submit(
        request, viewer, key,
        lambda session, actor: est.report_observation(session, actor, parse(Observation, typed)),
        lambda _saved: (f"/org/{key}/est", "Tack! Observationen är sparad."),
        lambda exc: _page(request, viewer, key, exc, typed),
    )  # fmt: skip
