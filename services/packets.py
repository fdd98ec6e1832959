"""Decision packets on demand, for the decision points that are not on a cadence (signing the agreement,
adopting åtgärdsplaner and medborgarlöften) as well as the cadence ones."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from samverkan.core.timeutil import STOCKHOLM, local
from samverkan.models import Body
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.triggers import PlannedAction, when_text
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.documents import render_document
from samverkan.services.errors import NotFoundError
from samverkan.services.inputs import RequestPacket
from samverkan.services.overview import find_organisation

PACKET_KINDS = {  # command-line name → (packet kind, title)
    "inriktningsbeslut": ("direction_decision", "Inriktningsbeslut"),
    "overenskommelse": ("agreement", "Underteckna samverkansöverenskommelsen"),
    "atgardsplaner": ("action_plans", "Anta åtgärdsplaner och medborgarlöften"),
    "arsuppfoljning": ("yearly_review", "Årlig uppföljning"),
}


def render_packet(
    session: Session,
    org_key: str,
    name: str,
    meeting_on: date,
    body_key: str,
    folder: Path,
    at: time = time(13, 0),
    pdf: bool = True,
) -> Path:
    organisation = find_organisation(session, org_key)
    if name not in PACKET_KINDS:
        raise NotFoundError(f"okänd typ av beslutsunderlag '{name}' (finns: {', '.join(PACKET_KINDS)})")
    body = session.exec(select(Body).where(Body.organisation_id == organisation.id, Body.key == body_key)).first()
    if body is None:
        raise NotFoundError(f"organet '{body_key}' finns inte i {organisation.name}")
    kind, title = PACKET_KINDS[name]
    start = datetime.combine(meeting_on, at, tzinfo=STOCKHOLM)
    occurrence = Occurrence(meeting_on.isoformat(), meeting_on, start, start + timedelta(hours=2))
    action = PlannedAction(
        name,
        f"{meeting_on.isoformat()}:beslutsunderlag",
        kind,
        "beslutsunderlag",
        meeting_on,
        f"Beslutsunderlag: {title} {when_text(occurrence)}",
        "packet",
        occurrence,
    )
    return render_document(session, organisation, action, folder, pdf=pdf, body=body)


def request_packet(session: Session, actor: Actor, given: RequestPacket, folder: Path) -> Path:
    """A decision packet on request, by the coordinating roles, for a meeting (standard: the day of the act)."""
    organisation = find_organisation(session, actor.org_key)
    require_function(session, organisation, actor.email, COORDINATING, actor.on, "ta fram beslutsunderlag på begäran")
    return render_packet(session, actor.org_key, given.kind, given.meeting_on or actor.on, given.body_key, folder)


def packet_files(folder: Path) -> list[dict[str, Any]]:
    """The documents in an organisation's folder, newest first: one entry per name with its PDF and HTML."""
    files = sorted(folder.glob("*.*"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    by_stem: dict[str, dict[str, Any]] = defaultdict(dict)
    for path in files:
        if path.suffix in (".pdf", ".html"):
            entry = by_stem[path.stem]
            entry.setdefault("name", path.stem)
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            entry.setdefault("when", local(modified).strftime("%Y-%m-%d %H:%M"))
            entry["kind"] = "Beslutsunderlag" if path.stem.startswith("beslutsunderlag") else "Rapport"
            entry[path.suffix[1:]] = path.name
    return list(by_stem.values())


def packet_file(folder: Path, name: str) -> Path:
    """A listed document by its file name; nothing outside the folder's list (no paths from outside)."""
    listed = {f for d in packet_files(folder) for f in (d.get("pdf"), d.get("html")) if f}
    if name not in listed:
        raise NotFoundError(f"handlingen {name} finns inte")
    return folder / name
