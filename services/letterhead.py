"""The head of a tjänsteskrivelse: who sends it (letterhead from the organisation file), its diarienummer,
datum and handläggare; and the Swedish names documents show for roles and meetings."""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from samverkan.core.labels import MONTHS_SV, WEEKDAYS_SV
from samverkan.models import Organisation, Role
from samverkan.models.organisation import settings_section
from samverkan.scheduling.cadence import Occurrence

LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}
LOGO_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class Letterhead:
    name: str
    unit: str | None
    logo: str | None  # a data: URI, so that the PDF and the web page (CSP img-src 'self' data:) both show it
    address: list[str]
    contact: list[str]
    diarienummer: str
    datum: date
    handlaggare: str


def role_names(session: Session, org: Organisation) -> dict[str, str]:
    """Role key → the role's Swedish name as written in the organisation file ('est-fritid' → 'EST-…')."""
    rows = session.exec(select(Role).where(Role.organisation_id == org.id).order_by(col(Role.key))).all()
    return {role.key: role.name for role in rows}


def letterhead(session: Session, org: Organisation, written_on: date) -> Letterhead:
    spec = settings_section(org.settings, "letterhead")
    names = role_names(session, org)
    prefix = spec.get("diarienummer_prefix")
    contact = [
        f"Tfn {spec['phone']}" if k == "phone" else str(spec[k]) for k in ("phone", "email", "website") if spec.get(k)
    ]
    return Letterhead(
        name=str(spec.get("name") or org.name),
        unit=spec.get("unit"),
        logo=_logo(org, spec.get("logo")),
        address=[str(line) for line in spec.get("address", [])],
        contact=contact,
        diarienummer=f"{prefix} {written_on.year}/______" if prefix else "______________",
        datum=written_on,
        handlaggare=_handlaggare(session, org, spec.get("handlaggare"), names),
    )


def _handlaggare(session: Session, org: Organisation, given: object, names: dict[str, str]) -> str:
    """A role key shows the role's name; any other text is a name the file gives; default the samordnare."""
    if isinstance(given, str) and given:
        return names.get(given, given)
    role = session.exec(
        select(Role).where(
            Role.organisation_id == org.id, Role.function == "samordnare", col(Role.archived_at).is_(None)
        )
    ).first()
    return role.name if role else "Samordnaren"


def _logo(org: Organisation, given: object) -> str | None:
    """The logo as a data: URI; a relative path is read beside the organisation file. Missing or odd: none."""
    if not isinstance(given, str) or not given:
        return None
    path = Path(given)
    if not path.is_absolute() and org.source_file:
        path = Path(org.source_file).parent / path
    media = mimetypes.guess_type(path.name)[0]
    if media not in LOGO_TYPES or not path.is_file() or path.stat().st_size > LOGO_MAX_BYTES:
        return None
    return f"data:{media};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def meeting_text(occurrence: Occurrence) -> str:
    """'torsdag 11 mars 2027 kl. 13:00': a document is read long after the meeting, so with the year."""
    start = occurrence.start
    return f"{WEEKDAYS_SV[start.weekday()]} {start.day} {MONTHS_SV[start.month - 1]} {start.year} kl. {start:%H:%M}"


def in_sentence(title: str) -> str:
    """A role title inside a sentence: 'Kommunstyrelsens ordförande' → 'kommunstyrelsens ordförande'. Only the
    first letter, and not when the second is upper case too (an abbreviation such as 'EST-…', 'LPO-chef')."""
    if len(title) > 1 and title[1].isupper():
        return title
    return title[:1].lower() + title[1:]
