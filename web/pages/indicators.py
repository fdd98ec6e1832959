"""Indikatorer and the verkningskedja: every indicator's latest value against its target, one indicator's chart,
measurements, manual entry and CSV upload (the CLI import's service, with its located errors), and the chain of
the current cycle with its gaps."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.services.actor import Actor
from samverkan.services.chain import current_chain, measures_by_status
from samverkan.services.errors import RefusedError
from samverkan.services.est_charts import est_by_month
from samverkan.services.indicators import add_measurement, find_indicator, indicator_view, indicator_views
from samverkan.services.inputs import AddMeasurement, ImportMeasurements
from samverkan.services.measurements import ImportReport, import_measurements
from samverkan.services.uploads import MAX_UPLOAD
from samverkan.web.forms import Logged, Page, Posted, Visit, page_router, submit, upload_of
from samverkan.web.views import Id


def _read_list(visit: Visit) -> dict[str, object]:
    organisation = visit.member.organisation
    return {
        "views": indicator_views(visit.session, organisation, visit.today),
        "est_chart": est_by_month(visit.session, organisation, visit.today),
    }


def _read_one(visit: Visit) -> dict[str, object]:
    indicator = find_indicator(visit.session, visit.member.organisation, visit.numbers["indicator_id"])
    view = indicator_view(visit.session, indicator, visit.today)
    return {"view": view, "chart": view.chart()}


def _read_chain(visit: Visit) -> dict[str, object]:
    chain = current_chain(visit.session, visit.member.organisation, visit.today)
    return {"chain": chain, "status_chart": measures_by_status(chain)}


def _measured(report: ImportReport, _given: object = None) -> str:
    return f"Mätvärden sparade: {report.created} nya, {report.updated} ändrade, {report.unchanged} oförändrade."


router = page_router()
list_page = Page(router, "/org/{key}/indikatorer", "indicators.html.j2", _read_list)
one_page = Page(router, "/org/{key}/indikatorer/{indicator_id}", "indicator.html.j2", _read_one)
one_page.action("/org/{key}/indikatorer/{indicator_id}", AddMeasurement, add_measurement, _measured)
chain_page = Page(router, "/org/{key}/kedja", "chain.html.j2", _read_chain)


@router.post("/org/{key}/indikatorer/{indicator_id}/csv", response_class=HTMLResponse)
def upload_measurements(request: Request, viewer: Logged, key: str, indicator_id: Id, form: Posted) -> Response:
    """A CSV file of measurements (any of the organisation's indicators), imported all or nothing."""
    upload = upload_of(form)
    data = upload.file.read(MAX_UPLOAD + 1) if upload else b""
    name = upload.filename if upload and upload.filename else "filen"

    def act(session: Session, actor: Actor) -> ImportReport:
        if upload is None:
            raise RefusedError("välj en CSV-fil att ladda upp")
        if len(data) > MAX_UPLOAD:
            raise RefusedError(f"{name} är för stor (högst {MAX_UPLOAD // 1_000_000} MB)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RefusedError(f"{name}: filen är inte UTF-8-kodad; spara den som CSV UTF-8") from None
        return import_measurements(session, actor, ImportMeasurements(text=text, file=name))

    return submit(
        request, viewer, key, act,
        lambda report: (f"/org/{key}/indikatorer/{indicator_id}", _measured(report)),
        one_page.again(request, viewer, key, indicator_id=indicator_id),
    )  # fmt: skip
