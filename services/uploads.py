"""Files uploaded as evidence: stored once by their SHA-256, described by an `upload` row."""

from __future__ import annotations

import hashlib
import mimetypes
import re
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
