"""`samverkan county-report`: the county board's monthly report over its kommuner.

Imports inside the command are there for speed only: `samverkan --help` should not load them."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import click

from samverkan.cli.options import Command, Failure, db_option, json_option, print_json, run
from samverkan.core.labels import count_text
from samverkan.services.documents import write_pdf
from samverkan.templates.rendering import render


@click.command("county-report", cls=Command)
@click.argument("county_board", metavar="LÄNSSTYRELSE")
@click.option("--month", required=True, metavar="ÅÅÅÅ-MM", help="Månaden som rapporten gäller.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Skriv rapporten som HTML (och PDF).")
@db_option
@json_option
def county_report_command(county_board: str, month: str, out: Path | None, db_url: str | None, as_json: bool) -> None:
    """Länsrapporten: kommunernas EST-rapportering, gemensamma problem och vem som ligger efter."""
    from samverkan.services.county import county_report

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise Failure(f"'{month}' är ingen månad (ÅÅÅÅ-MM)")
    report = run(db_url, lambda s: county_report(s, county_board, month))
    if as_json:
        print_json(asdict(report))
        return
    html = render("documents/county.html.j2", r=report)
    if out:
        out.write_text(html, encoding="utf-8")
        write_pdf(html, out.with_suffix(".pdf"))
        click.echo(f"{out} och {out.with_suffix('.pdf')} skrivna")
    for member in report.members:
        state = "efter" if member.behind else "i fas"
        click.echo(
            f"{member.name}: {'rapporterat' if member.reported else 'ej rapporterat'}, "
            f"{member.observations} observationer, {member.phase or 'ingen cykel'} ({state})"
        )
    for category, count, kommuner in report.categories:
        click.echo(f"  {category}: {count} ({count_text(kommuner, 'kommun', 'kommuner')})")


COMMANDS = (county_report_command,)
