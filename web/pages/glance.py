"""An organisation's Översikt: where the collaboration stands, on one screen (services/glance.py reads it)."""

from __future__ import annotations

from samverkan.services.chain import current_chain, measures_by_status
from samverkan.services.est_charts import est_by_month
from samverkan.services.glance import glance
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> dict[str, object]:
    organisation = visit.member.organisation
    return {
        "glance": glance(visit.session, visit.key, visit.today),
        "est_chart": est_by_month(visit.session, organisation, visit.today),
        "status_chart": measures_by_status(current_chain(visit.session, organisation, visit.today)),
    }


router = page_router()
page = Page(router, "/org/{key}/oversikt", "glance.html.j2", _read)
