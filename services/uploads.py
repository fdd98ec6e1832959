"""Files uploaded as evidence: stored once by their SHA-256, described by an `upload` row. A file's content must
be what its name says (`content_problem`): a PDF starts with %PDF-, an Office Open XML file is a zip whose
[Content_Types].xml names its main part, an OpenDocument file is a zip whose mimetype entry names its type, an old
Office file is an OLE2 compound file with its main stream, an image has its signature, and text is UTF-8 without
NUL; otherwise nothing is stored and the refusal says what the file appears to be."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
import zipfile
from pathlib import Path

from sqlmodel import Session

from samverkan.models import Upload
from samverkan.services.access import find_person
from samverkan.services.actor import Actor
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data

MAX_UPLOAD = 20 * 1024 * 1024
UPLOAD_TYPES = {
    ".pdf", ".docx", ".doc", ".odt", ".xlsx", ".xls", ".ods", ".pptx", ".txt", ".csv", ".png", ".jpg", ".jpeg",
}  # fmt: skip
SAFE_NAME = re.compile(r"[^A-Za-z0-9ÅÄÖåäöÉé._ -]")


def upload_place(org_key: str, upload_id: int) -> str:
    """Where an uploaded file opens in the web app: the place an evidence row keeps for it."""
    return f"{_places(org_key)}{upload_id}"


def upload_number(org_key: str, place: str | None) -> int | None:
    """The upload an evidence place names (`upload_place`); None for any other place."""
    prefix = _places(org_key)
    number = place[len(prefix) :] if place and place.startswith(prefix) else ""
    return int(number) if number.isdigit() else None


def _places(org_key: str) -> str:
    return f"/org/{org_key}/filer/"


def store_upload(session: Session, actor: Actor, folder: Path, filename: str, data: bytes) -> Upload:
    """Keep the file (whole or not at all) and record it for the actor's organisation."""
    upload = record_upload(session, actor, filename, data)
    keep_file(folder, upload, data)
    return upload


def record_upload(session: Session, actor: Actor, filename: str, data: bytes) -> Upload:
    """Check the file and record it for the actor's organisation, without writing it: the caller writes it
    with keep_file once the act it belongs to has passed its checks, inside the same transaction."""
    no_personal_data(filnamn=filename)  # the name as given: a number split by '/' is still one
    name = Path(filename or "fil").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise RefusedError(f"filtypen {suffix or '(ingen)'} tas inte emot; tillåtna: {', '.join(sorted(UPLOAD_TYPES))}")
    if len(data) > MAX_UPLOAD:
        raise RefusedError(f"filen är större än {MAX_UPLOAD // (1024 * 1024)} MB")
    if not data:
        raise RefusedError("filen är tom")
    problem = content_problem(suffix, data)
    if problem:
        raise RefusedError(f"filen {name} tas inte emot: {problem}")
    upload = Upload(
        organisation_id=find_organisation(session, actor.org_key).id,  # type: ignore[arg-type]
        sha256=hashlib.sha256(data).hexdigest(),
        filename=SAFE_NAME.sub("_", name)[:255],
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(data),
        uploaded_by_person_id=find_person(session, actor.email).id,  # type: ignore[arg-type]
    )
    session.add(upload)
    session.flush()
    return upload


def keep_file(folder: Path, upload: Upload, data: bytes) -> None:
    """Write the recorded upload's bytes under their SHA-256 (whole or not at all; once per content)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / upload.sha256
    if not target.exists():
        partial = target.with_suffix(".tmp")
        partial.write_bytes(data)
        partial.replace(target)


def find_upload(session: Session, org_key: str, upload_id: int) -> Upload:
    organisation = find_organisation(session, org_key)
    upload = session.get(Upload, upload_id)
    if upload is None or upload.organisation_id != organisation.id:
        raise NotFoundError(f"filen nr {upload_id} finns inte i {organisation.name}")
    return upload


# -- what a file's content is ------------------------------------------------------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML_MAIN = {  # suffix → the main part's content type in [Content_Types].xml
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
ODF_TYPES = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OLE2_STREAMS = {".doc": ("WordDocument",), ".xls": ("Workbook", "Book")}  # the main stream's name
SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
EXPECTED_SV = {
    ".pdf": "en PDF", ".docx": "ett Word-dokument", ".doc": "ett Word-dokument (.doc)",
    ".odt": "ett OpenDocument-dokument",
    ".xlsx": "en Excel-fil", ".xls": "en Excel-fil (.xls)", ".ods": "ett OpenDocument-kalkylark",
    ".pptx": "en PowerPoint-presentation", ".txt": "en textfil", ".csv": "en CSV-fil", ".png": "en PNG-bild",
    ".jpg": "en JPEG-bild", ".jpeg": "en JPEG-bild",
}  # fmt: skip
ZIP_PART_MAX = 1024 * 1024  # a [Content_Types].xml or mimetype entry larger than this is not read


def content_problem(suffix: str, data: bytes) -> str | None:
    """Why the bytes are not a file of the type `suffix` names (Swedish, with what they appear to be), or None."""
    expected = EXPECTED_SV.get(suffix, suffix)
    if _is(suffix, data):
        return None
    seen = looks_like(data)
    if suffix in (".txt", ".csv") and seen.startswith("text"):
        seen = "text som inte är UTF-8 (spara filen som UTF-8)"
    return f"namnet säger {expected}, men innehållet ser ut som {seen}"


def _is(suffix: str, data: bytes) -> bool:
    if suffix == ".pdf":
        return data.startswith(b"%PDF-")
    if suffix in OOXML_MAIN:
        types = _zip_entry(data, "[Content_Types].xml")
        return types is not None and OOXML_MAIN[suffix].encode() in types
    if suffix in ODF_TYPES:
        return _zip_entry(data, "mimetype") == ODF_TYPES[suffix].encode()
    if suffix in OLE2_STREAMS:
        return data.startswith(OLE2) and any(name.encode("utf-16-le") in data for name in OLE2_STREAMS[suffix])
    if suffix in SIGNATURES:
        return data.startswith(SIGNATURES[suffix])
    if suffix in (".txt", ".csv"):
        return _utf8_text(data)
    return False


def _zip_entry(data: bytes, name: str) -> bytes | None:
    """The named entry of a zip archive (None when the bytes are no zip, or it lacks the entry or is too big)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(name)
            if info.file_size > ZIP_PART_MAX:
                return None
            with archive.open(info) as entry:
                return entry.read(ZIP_PART_MAX + 1)[:ZIP_PART_MAX]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return None


def _utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def looks_like(data: bytes) -> str:
    """What the bytes appear to be, in Swedish, by their first bytes."""
    head = data[:8]
    known = (
        (b"%PDF-", "en PDF"),
        (b"MZ", "ett Windows-program (.exe eller .dll)"),
        (b"\x7fELF", "ett program för Linux (ELF)"),
        (OLE2, "ett äldre Office-dokument (.doc, .xls eller .ppt)"),
        (b"\x89PNG", "en PNG-bild"),
        (b"\xff\xd8\xff", "en JPEG-bild"),
        (b"GIF8", "en GIF-bild"),
        (b"Rar!", "ett RAR-arkiv"),
        (b"7z\xbc\xaf", "ett 7-Zip-arkiv"),
        (b"\x1f\x8b", "ett gzip-arkiv"),
        (b"{\\rtf", "ett RTF-dokument"),
    )
    for signature, what in known:
        if head.startswith(signature):
            return what
    if head.startswith(b"PK"):
        return _zip_kind(data)
    start = data[:512].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "en HTML-sida"
    if start.startswith(b"<?xml") or start.startswith(b"<svg"):
        return "en XML- eller SVG-fil"
    if _utf8_text(data):
        return "text"
    if b"\x00" not in data[:4096]:
        return "text i en annan teckenkodning än UTF-8"
    return "okänt innehåll (inte en av de tillåtna filtyperna)"


def _zip_kind(data: bytes) -> str:
    types = _zip_entry(data, "[Content_Types].xml")
    if types is not None:
        for suffix, main in OOXML_MAIN.items():
            if main.encode() in types:
                return f"{EXPECTED_SV[suffix]} ({suffix})"
        return "ett Office-dokument av annan typ"
    mimetype = _zip_entry(data, "mimetype")
    if mimetype is not None:
        for suffix, kind in ODF_TYPES.items():
            if mimetype == kind.encode():
                return f"{EXPECTED_SV[suffix]} ({suffix})"
        return "ett OpenDocument-dokument av annan typ"
    return "ett zip-arkiv"
