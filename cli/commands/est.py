"""`samverkan est`: observations reported to the EST group between meetings."""

from __future__ import annotations

from datetime import date

import click

from samverkan.cli.options import Group, act, common, parse_date
from samverkan.services import est
from samverkan.services.inputs import Observation


@click.group("est", cls=Group)
def est_group() -> None:
    """EST: observationer mellan mötena (platser, kategorier, antal – aldrig enskilda personer)."""


@est_group.command("report")
@click.argument("organisation")
@click.option("--body", default="est", show_default=True, help="EST-gruppens nyckel.")
@click.option("--observed", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="När (standard: handlingens datum).")
@click.option("--category", required=True, help="Kategori, t.ex. skadegörelse.")
@click.option("--area", required=True, help="Område eller plats.")
@click.option("--source", "source_function", required=True, help="Rapporterande funktion, t.ex. skolan.")
@click.option("--time-band", type=click.Choice(list(est.TIME_BANDS)), help="Tid på dygnet.")
@click.option("--count", type=int, help="Antal.")
@click.option("--severity", type=click.IntRange(1, 3), help="Allvarlighetsgrad 1–3.")
@click.option("--text", help="Fritext (inga personuppgifter).")
@common
def est_report(
    organisation: str,
    body: str,
    observed: date | None,
    category: str,
    area: str,
    source_function: str,
    time_band: str | None,
    count: int | None,
    severity: int | None,
    text: str | None,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Rapportera en observation till EST-gruppen."""
    saved = act(
        db_url,
        est.report_observation,
        organisation,
        actor,
        on,
        Observation,
        body_key=body,
        observed_on=observed,
        category=category,
        area=area,
        source_function=source_function,
        time_band=time_band,
        count=count,
        severity=severity,
        text=text,
    )
    click.echo(f"Observation nr {saved.id} sparad: {saved.category}, {saved.area}")


COMMANDS = (est_group,)
