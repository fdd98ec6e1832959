"""Files attached to a message: as their paths, or a calendar invitation typed with its iTIP method."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from samverkan.scheduling.ics import calendar_method


def attachable(path: Path) -> Any:
    """A file to attach: its path, or for a calendar invitation an attachment typed `text/calendar;
    method=REQUEST` (what makes mail programs offer "Lägg till i kalender"; Apprise would send bare text/calendar)."""
    method = calendar_method(path)
    return str(path) if method is None else _calendar_attachment()(str(path), method)


@lru_cache
def _calendar_attachment() -> Any:
    """Apprise's file attachment with the iTIP method in its content type (Apprise accepts only bare registered
    types as `mime=`, so the type is given by overriding `mimetype`). Imported when first needed, as Apprise is."""
    from apprise.attachment.file import AttachFile

    class CalendarAttachment(AttachFile):
        def __init__(self, path: str, method: str) -> None:
            super().__init__(path)  # type: ignore[no-untyped-call]  # Apprise's constructors are not annotated
            self.method = method

        @property
        def mimetype(self) -> str:
            return f"text/calendar; method={self.method}; charset=UTF-8"

    return CalendarAttachment
