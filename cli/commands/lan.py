"""`samverkan veckolagesbild` and `samverkan lan`: the weekly lägesbild that flows upward, and the county's view.

Imports inside the commands are there for speed only: `samverkan --help` should not load them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click
from sqlmodel import Session

from samverkan.cli.options import Command, Failure, Group, action, db_option, parse_date, run
from samverkan.models import LagesbildContribution, WeeklyLagesbild
from samverkan.models.enums import Trend
from samverkan.services.inputs import TIME_BANDS, CompileWeek, WeeklyContribution
from samverkan.services.weekly_lagesbild import compile_week, report_contribution, week_label


@click.group("veckolagesbild", cls=Group)
def weekly_group() -> None:
    """Veckolägesbilden: förvaltningarnas bidrag och kommunens sammanställning till länsstyrelsen."""


@action(weekly_group, "bidrag", report_contribution, WeeklyContribution)
@click.option("--week", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="En dag i veckan (standard: handlingens).")
@click.option("--category", required=True, help="Kategori ur länets lista, t.ex. skadegörelse.")
@click.option("--area", required=True, help="Område eller plats.")
@click.option("--time-band", type=click.Choice(list(TIME_BANDS)), help="Tid på dygnet.")
@click.option("--count", type=int, required=True, help="Antal händelser.")
@click.option("--severity", type=click.IntRange(1, 3), help="Allvarlighetsgrad 1–3.")
@click.option("--trend", type=click.Choice([t.value for t in Trend]), help="Utveckling mot förra veckan.")
@click.option("--text", help="Kort beskrivning (inga personuppgifter; stannar i kommunen).")
def contribution_command(saved: LagesbildContribution) -> None:
    """Lämna ett bidrag till veckans lägesbild."""
    click.echo(f"Bidrag nr {saved.id} sparat: {saved.category}, {saved.area}, {week_label(saved.week_start)}")


@action(weekly_group, "sammanstall", compile_week, CompileWeek)
@click.option("--week", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="En dag i veckan (standard: handlingens).")
@click.option("--summary", help="Sammanfattning (stannar i kommunen).")
def compile_command(saved: WeeklyLagesbild) -> None:
    """Sammanställ veckans bidrag till kommunens veckolägesbild."""
    click.echo(f"{week_label(saved.week_start)} sammanställd: {saved.contributions} bidrag, {len(saved.rows)} rader")


@click.command("lan", cls=Command)
@click.argument("county_board", metavar="LÄNSSTYRELSE")
@click.option("--month", metavar="ÅÅÅÅ-MM", help="Visa månadsanalysen för månaden.")
@click.option("--year", type=click.IntRange(2000, 2100), help="Skriv årsrapporten till Brå för året (med --out).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Skriv dokumentet som HTML och PDF.")
@click.option("--date", "on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Läget den dagen (standard: i dag).")
@db_option
def county_command(
    county_board: str, month: str | None, year: int | None, out: Path | None, on: date | None, db_url: str | None
) -> None:
    """Länet: kommunernas läge, månadsanalysen av deras veckolägesbilder och årsrapporten till Brå."""
    from samverkan.core.timeutil import today_local

    day = on or today_local()
    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise Failure(f"'{month}' är ingen månad (ÅÅÅÅ-MM)")
    if out is not None and (month is None) == (year is None):
        raise Failure("--out skriver antingen månadsanalysen (--month) eller årsrapporten (--year)")
    wanted = (int(month[:4]), int(month[5:])) if month else None
    for line in run(db_url, _county_lines, county_board, day, wanted, year, out):
        click.echo(line)


def _county_lines(
    session: Session, board_key: str, day: date, month: tuple[int, int] | None, year: int | None, out: Path | None
) -> list[str]:
    from samverkan.services.county_analysis import monthly_analysis
    from samverkan.services.county_documents import analysis_html, yearly_html
    from samverkan.services.county_scope import county
    from samverkan.services.county_status import county_status
    from samverkan.services.pdfa import write_pdf

    the_county = county(session, board_key)
    if out is not None:
        board = the_county.board
        html = analysis_html(session, board, *month, day) if month else yearly_html(session, board, year or 0, day)
        out.write_text(html, encoding="utf-8")
        write_pdf(html, out.with_suffix(".pdf"))
        return [f"{out} och {out.with_suffix('.pdf')} skrivna"]
    if month:
        analysis = monthly_analysis(session, the_county, *month, day)
        lines = [f"{k.name}: {k.weeks_compiled} veckor, {k.contributions} bidrag" for k in analysis.kommuner]
        return lines + [f"  {r.name}: {r.shown} ({len(r.kommuner)} kommuner, {r.trend})" for r in analysis.categories]
    return [
        f"{s.name}: {s.phase or 'ingen cykel'}, senaste veckolägesbild {s.last_report or 'ingen'}"
        + (f" – {', '.join(s.attention)}" if s.attention else "")
        for s in county_status(session, the_county, day)
    ]


COMMANDS = (weekly_group, county_command)
