"""`samverkan est`: observations reported to the EST group between meetings."""

from __future__ import annotations

import click

from samverkan.cli.options import Group, action, parse_date
from samverkan.models import EstObservation
from samverkan.services import est
from samverkan.services.inputs import Observation


@click.group("est", cls=Group)
def est_group() -> None:
    """EST: observationer mellan mötena (platser, kategorier, antal – aldrig enskilda personer)."""


@action(est_group, "report", est.report_observation, Observation)
@click.option("--body", "body_key", default="est", show_default=True, help="EST-gruppens nyckel.")
@click.option(
    "--observed", "observed_on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="När (standard: handlingens datum)."
)
@click.option("--category", required=True, help="Kategori, t.ex. skadegörelse.")
@click.option("--area", required=True, help="Område eller plats.")
@click.option("--source", "source_function", required=True, help="Rapporterande funktion, t.ex. skolan.")
@click.option("--time-band", type=click.Choice(list(est.TIME_BANDS)), help="Tid på dygnet.")
@click.option("--count", type=int, help="Antal.")
@click.option("--severity", type=click.IntRange(1, 3), help="Allvarlighetsgrad 1–3.")
@click.option("--text", help="Fritext (inga personuppgifter).")
def est_report(saved: EstObservation) -> None:
    """Rapportera en observation till EST-gruppen."""
    click.echo(f"Observation nr {saved.id} sparad: {saved.category}, {saved.area}")


COMMANDS = (est_group,)
