"""The länsstyrelse's documents: the monthly joint analysis and the yearly report to Brå (HTML and PDF/A), and a
kommun's compiled weekly lägesbild — rendered from the database into files a notification attaches or the web
app serves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session

from samverkan.models import Organisation, WeeklyLagesbild
from samverkan.scheduling.triggers import PlannedAction
from samverkan.services.county_analysis import monthly_analysis
from samverkan.services.county_scope import county_of_board
from samverkan.services.county_yearly import yearly_report
from samverkan.services.letterhead import letterhead
from samverkan.services.pdfa import PdfJob, write_atomically
from samverkan.services.weekly_lagesbild import week_label
from samverkan.templates.rendering import render

COUNTY_DOCUMENTS = ("county_analysis", "county_report")


def analysis_html(session: Session, board: Organisation, year: int, month: int, written_on: date) -> str:
    analysis = monthly_analysis(session, county_of_board(session, board), year, month, written_on)
    return render("documents/county_analysis.html.j2", a=analysis, head=letterhead(session, board, written_on))


def yearly_html(session: Session, board: Organisation, year: int, written_on: date) -> str:
    report = yearly_report(session, county_of_board(session, board), year, written_on)
    return render("documents/county_yearly.html.j2", r=report, head=letterhead(session, board, written_on))


def weekly_html(
    session: Session, org: Organisation, compiled: WeeklyLagesbild, written_on: date, summary: bool = True
) -> str:
    """The kommun's compiled week; without `summary`, the coordinator's summary is left out (a reader from the
    länsstyrelse)."""
    return render(
        "documents/weekly_lagesbild.html.j2",
        org=org,
        compiled=compiled,
        summary=compiled.summary if summary else None,
        label=week_label(compiled.week_start),
        head=letterhead(session, org, written_on),
    )


def county_document_path(board: Organisation, action: PlannedAction, folder: Path) -> Path:
    """Where the HTML of a county action's document goes (its PDF beside it): the analysis of the month its
    occurrence's period ends in, or the report on that year (with `covers: current` its own month or year;
    otherwise the one before)."""
    assert action.occurrence is not None and action.occurrence.period is not None
    _, last = action.occurrence.period  # the month (year) a report made at its end covers
    if action.attachment == "county_analysis":
        return folder / board.key / f"manadsanalys-{last:%Y-%m}.html"
    return folder / board.key / f"arsrapport-bra-{last.year}.html"


def prepare_county_document(
    session: Session, board: Organisation, action: PlannedAction, folder: Path
) -> tuple[Path, PdfJob]:
    """Write the HTML of a county action's document and return it with its PDF job (unchanged content leaves the
    file alone)."""
    assert action.occurrence is not None and action.occurrence.period is not None
    _, last = action.occurrence.period
    board = session.get(Organisation, board.id) or board  # the sweep passes a plain row
    path = county_document_path(board, action, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    if action.attachment == "county_analysis":
        html = analysis_html(session, board, last.year, last.month, action.due)
    else:
        html = yearly_html(session, board, last.year, action.due)
    write_atomically(path, html.encode("utf-8"))
    return path, PdfJob(html, path.with_suffix(".pdf"))
