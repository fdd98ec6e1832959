"""`samverkan measurements`: indicator values imported from CSV, all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from samverkan.cli.options import (
    Command,
    Failure,
    Group,
    act,
    action,
    common,
    date_option,
    db_option,
    json_option,
    on_or_today,
    print_json,
    run,
)
from samverkan.core.labels import label
from samverkan.services import measurements
from samverkan.services.chain import Chain, chain_json, current_chain
from samverkan.services.indicators import add_measurement, indicator_views
from samverkan.services.inputs import AddMeasurement, ImportMeasurements
from samverkan.services.measurements import ImportReport
from samverkan.services.overview import find_organisation


@click.group("measurements", cls=Group)
def measurements_group() -> None:
    """Mätvärden för indikatorerna."""


@measurements_group.command("import")
@click.argument("organisation")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FIL")
@common
def measurements_import(
    organisation: str, file: Path, actor: str | None, api_key: str | None, on: date | None, db_url: str | None
) -> None:
    """Importera mätvärden från CSV (indikator;period;värde[;preliminär][;källa]). Allt eller inget."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Failure(f"{file} är inte UTF-8; spara filen som CSV UTF-8") from None
    report = act(
        db_url,
        measurements.import_measurements,
        organisation,
        actor,
        on,
        ImportMeasurements,
        api_key,
        text=text,
        file=str(file),
    )
    click.echo(f"{file}: {report.created} nya, {report.updated} ändrade, {report.unchanged} oförändrade")


@action(measurements_group, "add", add_measurement, AddMeasurement)
@click.argument("indicator_id", metavar="NR", type=int)
@click.option("--period", required=True, metavar="PERIOD", help="ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM.")
@click.option("--value", required=True, metavar="TAL", help="Värdet (decimalkomma eller punkt).")
@click.option("--preliminary", is_flag=True, default=None, help="Värdet är preliminärt.")
@click.option("--source", help="Källa.")
def measurements_add(report: ImportReport) -> None:
    """Registrera ett mätvärde för indikator NR (samma period igen ändrar värdet)."""
    click.echo(f"{report.created} nya, {report.updated} ändrade, {report.unchanged} oförändrade")


@measurements_group.command("list")
@click.argument("organisation")
@date_option
@db_option
def measurements_list(organisation: str, on: date | None, db_url: str | None) -> None:
    """Indikatorerna: nummer, senaste värde och bedömning mot målet."""
    day = on_or_today(on)
    views = run(db_url, lambda s: indicator_views(s, find_organisation(s, organisation), day))
    for view in views:
        stale = "" if view.recent else " (inget aktuellt värde)"
        click.echo(f"{view.indicator.id:>4}  {view.indicator.name}: {view.verdict_text}{stale}")


@click.command("chain", cls=Command)
@click.argument("organisation")
@date_option
@db_option
@json_option
def chain_command(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Verkningskedjan i den pågående cykeln: problem, orsaker, åtgärder, indikatorer och varje lucka."""
    day = on_or_today(on)
    chain = run(db_url, lambda s: current_chain(s, find_organisation(s, organisation), day))
    if as_json:
        print_json(chain_json(chain))
        return
    for line in chain_lines(chain):
        click.echo(line)


def chain_lines(chain: Chain) -> list[str]:
    """The chain as indented text lines, then its gaps."""
    if chain.cycle is None:
        return ["Ingen cykel pågår."]
    lines = [f"Verkningskedjan, cykel {chain.cycle.number}"]
    for link in chain.problems:
        lines.append(f"{link.problem.rank or '-'}. {link.problem.title}")
        for cause in link.causes:
            lines.append(f"   Orsak {cause.cause.number}: {cause.cause.description}")
            for measure in cause.measures:
                m = measure.measure
                lines.append(f"      Åtgärd nr {m.id}: {m.title} ({label(m.status)}, {m.progress_pct} %)")
                lines += [f"         {v.indicator.name}: {v.verdict_text}" for v in measure.indicators]
    lines.append(f"Luckor: {len(chain.gaps)}" if chain.gaps else "Inga luckor.")
    lines += [f"  - {gap.text}" for gap in chain.gaps]
    return lines


COMMANDS = (measurements_group, chain_command)
