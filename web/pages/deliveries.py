"""The delivery log: what the outbox sent (services/deliveries.py decides who may read it), and sending failed
messages again (services/redelivery.py)."""

from __future__ import annotations

from collections.abc import Mapping

from samverkan.scheduling.actions import action_label
from samverkan.services.deliveries import delivery_log
from samverkan.services.measure_list import role_function_names
from samverkan.services.redelivery import FailedMessage, retry_from_log
from samverkan.web.forms import Page, Visit, actor_of, page_router


def _read(visit: Visit) -> Mapping[str, object]:
    log = delivery_log(visit.session, actor_of(visit.request, visit.viewer, visit.key))
    roles = role_function_names(visit.session, visit.member.organisation)
    return {"rows": log.rows, "attempts": log.attempts, "counts": log.counts, "label": action_label, "roles": roles}


def _requeued(result: list[int], given: FailedMessage) -> str:
    return f"{len(result)} meddelanden köas igen och skickas inom en minut."


router = page_router()
page = Page(router, "/org/{key}/leveranser", "deliveries.html.j2", _read)
page.action("/org/{key}/leveranser/skicka-igen", FailedMessage, retry_from_log, _requeued)
page.action("/org/{key}/leveranser/{notification_id}/skicka-igen", FailedMessage, retry_from_log, _requeued)
