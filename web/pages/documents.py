"""Documents (decision packets and reports) and the årshjul."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session

from samverkan.core.labels import MONTHS_SV, WEEKDAYS_SHORT_SV, label
from samverkan.core.timeutil import local
from samverkan.scheduling.actions import action_label
from samverkan.scheduling.calendar import CalendarEvent
from samverkan.services.bodies import active_bodies
from samverkan.services.calendar_feed import organisation_calendar, organisation_closures
from samverkan.services.deciding import OPERATIONAL
from samverkan.services.inputs import RequestPacket
from samverkan.services.membership import Membership
from samverkan.services.packet_requests import packet_file, packet_files, request_packet
from samverkan.services.packets import PACKET_KINDS
from samverkan.services.simulation import message_preview
from samverkan.web.forms import Logged, Page, Posted, Visit, form_fields, page_router, parse, submit
from samverkan.web.security import state
from samverkan.web.views import answer_member, show
from samverkan.web.wheel import build_wheel

router = page_router()


def _read(visit: Visit) -> dict[str, object]:
    documents = packet_files(state(visit.request).settings.documents_dir / visit.key)
    deciding = [b for b in active_bodies(visit.session, visit.member.organisation) if b.kind not in OPERATIONAL]
    return {"documents": documents, "bodies": deciding}  # a working group (EST) decides no beslutsunderlag


page = Page(router, "/org/{key}/handlingar", "documents.html.j2", _read, {"kinds": PACKET_KINDS})


@router.post("/org/{key}/handlingar", response_class=HTMLResponse)
def make_packet(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    """The packet is written to the documents folder, a setting, so this form is not declared with `page.action`."""
    folder = state(request).settings.documents_dir
    return submit(
        request, viewer, key,
        lambda session, actor: request_packet(session, actor, parse(RequestPacket, form_fields(form)), folder),
        lambda path: (f"/org/{key}/handlingar", f"Beslutsunderlaget {path.name} är klart."),
        page.again(request, viewer, key, form),
    )  # fmt: skip


@router.get("/org/{key}/handlingar/{name}")
def download_document(request: Request, viewer: Logged, key: str, name: str) -> Response:
    def answer(_session: Session, member: Membership) -> Response:
        path = packet_file(state(request).settings.documents_dir / member.organisation.key, name)
        media = "application/pdf" if name.endswith(".pdf") else "text/html; charset=utf-8"
        return FileResponse(path, media_type=media, filename=name if name.endswith(".pdf") else None)

    return answer_member(request, viewer, key, answer)


PREVIEW_DAYS = 91  # the coming quarter


@router.get("/org/{key}/arshjul", response_class=HTMLResponse)
def year_wheel(request: Request, viewer: Logged, key: str, alla: bool = False) -> Response:
    today = state(request).today()

    def read(session: Session, member: Membership) -> dict[str, object]:
        whose = None if alla else viewer.person
        events = organisation_calendar(session, key, today, today + timedelta(days=365), whose)
        first = today.replace(day=1)
        whole_year = organisation_calendar(session, key, first, first + timedelta(days=366), whose)
        holidays, breaks = organisation_closures(session, key, first, first + timedelta(days=366))
        preview = message_preview(session, key, today, today + timedelta(days=PREVIEW_DAYS))
        return {
            "months": _by_month(events),
            "wheel": build_wheel(today, whole_year, holidays, breaks),
            "all_events": alla,
            "label": label,
            "preview": preview,
            "weekday": lambda day: WEEKDAYS_SHORT_SV[day.weekday()],
            "action_label": action_label,
        }

    return show(request, viewer, key, "year_wheel.html.j2", read)


def _by_month(events: list[CalendarEvent]) -> dict[str, list[tuple[datetime, CalendarEvent]]]:
    months: dict[str, list[tuple[datetime, CalendarEvent]]] = defaultdict(list)
    for event in events:
        start = local(event.start)
        months[f"{MONTHS_SV[start.month - 1]} {start.year}"].append((start, event))
    return months
