"""Decision packets requested from the documents page, and the documents an organisation's folder holds."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from samverkan.core.timeutil import local
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import RequestPacket
from samverkan.services.overview import find_organisation
from samverkan.services.packets import render_packet

# A packet is asked for ahead of a meeting (the organisation's cadences plan at most a year ahead) or again for one
# held lately, to hand out with its minutes; a meeting more than a year away either way is a mistyped year.
MEETING_WINDOW = timedelta(days=366)


def request_packet(session: Session, actor: Actor, given: RequestPacket, folder: Path) -> Path:
    """A decision packet on request, by the coordinating roles, for a meeting (standard: the day of the act)."""
    organisation = find_organisation(session, actor.org_key)
    require_function(session, organisation, actor, COORDINATING, "ta fram beslutsunderlag på begäran")
    meeting_on = given.meeting_on or actor.on
    earliest, latest = actor.on - MEETING_WINDOW, actor.on + MEETING_WINDOW
    if not earliest <= meeting_on <= latest:
        raise RefusedError(
            f"mötesdagen {meeting_on} ligger för långt från i dag: ett beslutsunderlag tas fram för ett möte "
            f"mellan {earliest} och {latest}"
        )
    return render_packet(session, actor.org_key, given.kind, meeting_on, given.body_key, folder, written_on=actor.on)


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
