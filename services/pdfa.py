"""Archivable PDFs: every document is written as tagged PDF/A-2a (PDF/A-3a when files are embedded in it),
with the stylesheet the web app serves at /static/handlingar.css put inline for WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

STYLESHEET_HREF = "/static/handlingar.css"
STYLESHEET_LINK = f'<link rel="stylesheet" href="{STYLESHEET_HREF}">'


@dataclass(frozen=True)
class EmbeddedFile:
    """A bilaga put inside the PDF (PDF/A-3 allows any file, with its relation to the document)."""

    path: Path
    description: str


@lru_cache
def stylesheet() -> str:
    """The documents' stylesheet (templates/documents/handlingar.css)."""
    return files("samverkan.templates.documents").joinpath("handlingar.css").read_text(encoding="utf-8")


def pdf_variant(embedded: list[EmbeddedFile]) -> str:
    """PDF/A-2a (tagged, archivable) unless files are embedded: PDF/A-2 only allows PDF/A files inside."""
    return "pdf/a-3a" if embedded else "pdf/a-2a"


def write_pdf(html: str, target: Path, embedded: list[EmbeddedFile] | None = None) -> Path:
    """HTML to a tagged PDF/A with WeasyPrint (imported here: it is heavy, and only document runs need it)."""
    from weasyprint import HTML, Attachment

    files_inside = [f for f in embedded or [] if f.path.is_file()]
    attachments = [
        Attachment(filename=str(f.path), name=f.path.name, description=f.description, relationship="Supplement")
        for f in files_inside
    ]
    source = html.replace(STYLESHEET_LINK, f"<style>\n{stylesheet()}</style>", 1)
    HTML(string=source, base_url=str(target.parent)).write_pdf(
        target, pdf_variant=pdf_variant(files_inside), attachments=attachments
    )
    return target
