"""An organisation's Översikt: where the collaboration stands, on one screen (services/glance.py reads it)."""

from __future__ import annotations

from samverkan.services.glance import glance
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> dict[str, object]:
    return {"glance": glance(visit.session, visit.key, visit.today)}


router = page_router()
page = Page(router, "/org/{key}/oversikt", "glance.html.j2", _read)
