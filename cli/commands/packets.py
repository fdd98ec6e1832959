"""`samverkan packet`: a decision packet (HTML and PDF) drawn from the database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from samverkan.cli.options import Command, db_option, parse_date, run
from samverkan.services.packets import PACKET_KINDS, render_packet


@click.command("packet", cls=Command)
@click.argument("organisation")
@click.option("--kind", required=True, type=click.Choice(list(PACKET_KINDS)), help="Vilket beslut underlaget gäller.")
@click.option("--body", required=True, help="Det beslutande organet, t.ex. styrgrupp.")
@click.option("--meeting", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Mötesdatum.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("var/handlingar"),
    show_default=True,
    help="Mapp för underlaget.",
)
@click.option("--no-pdf", is_flag=True, help="Bara HTML.")
@db_option
def packet_command(
    organisation: str, kind: str, body: str, meeting: date, out: Path, no_pdf: bool, db_url: str | None
) -> None:
    """Ta fram ett beslutsunderlag (HTML och PDF) ur databasen."""
    path = run(db_url, lambda s: render_packet(s, organisation, kind, meeting, body, out, pdf=not no_pdf))
    click.echo(f"Beslutsunderlag: {path}")


COMMANDS = (packet_command,)
