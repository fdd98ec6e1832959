"""Uppföljning av indikatorer: the indicators the cycle's åtgärder rely on, with a value for the cycle or the
reason there is none; the coordinator gives the reason here."""

from __future__ import annotations

from collections.abc import Mapping

from samverkan.services import follow_up
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import ExplainIndicator
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> Mapping[str, object]:
    try:
        return {"states": follow_up.indicator_states(visit.session, visit.key)}
    except RefusedError:  # no cycle running
        return {"states": None}


def _explained(explained: follow_up.Explained, _given: ExplainIndicator) -> str:
    return f"Skälet till att {explained.indicator_name} saknar värde är sparat."


router = page_router()
page = Page(router, "/org/{key}/uppfoljning", "follow_up.html.j2", _read)
page.action("/org/{key}/uppfoljning", ExplainIndicator, follow_up.explain_indicator, _explained)
