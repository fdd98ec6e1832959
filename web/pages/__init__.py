"""The Swedish pages, one module per area. Each page reads through the service layer in one transaction; each
form goes through web/forms.py (input model, the service with the viewer as actor, notice or refusal). The
service layer decides what a role may do."""

from __future__ import annotations

from fastapi import APIRouter

from samverkan.web.pages import (
    account,
    agreement,
    api_docs,
    cycle,
    decisions,
    deliveries,
    documents,
    est,
    follow_up,
    glance,
    indicators,
    lagesbild,
    measures,
    organisation,
    orsak,
    unlock,
)

router = APIRouter(include_in_schema=False)
for area in (
    account,
    unlock,
    glance,
    organisation,
    cycle,
    lagesbild,
    decisions,
    agreement,
    measures,
    orsak,
    indicators,
    est,
    documents,
    deliveries,
    api_docs,
    follow_up,
):
    router.routes.extend(area.router.routes)  # each route keeps its area router's CSRF dependency
