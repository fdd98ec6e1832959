"""Åtgärder: the list of the current cycle's åtgärder and reporting on one."""

from __future__ import annotations

from collections.abc import Mapping

from samverkan.core.ids import saved_id
from samverkan.models.enums import MeasureStatus
from samverkan.services import substance
from samverkan.services.inputs import UpdateMeasure
from samverkan.services.measure_list import current_measures_with_causes, role_function_names
from samverkan.services.plan_view import cancelling_decisions
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> Mapping[str, object]:
    member = visit.member
    rows = current_measures_with_causes(visit.session, member.organisation)
    measures = [{"m": m, "cause": c.description, "mine": m.owner_role_key in member.functions} for m, c in rows]
    owners = role_function_names(visit.session, member.organisation)
    cancelled = cancelling_decisions(visit.session, [saved_id(m) for m, _ in rows])
    return {"measures": measures, "statuses": list(MeasureStatus), "owners": owners, "cancelled": cancelled}


router = page_router()
page = Page(router, "/org/{key}/atgarder", "measures.html.j2", _read)
page.action(
    "/org/{key}/atgarder/{measure_id}", UpdateMeasure, substance.update_measure, "'{result.title}' är uppdaterad."
)
