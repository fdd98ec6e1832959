"""`samverkan measurements`: indicator values imported from CSV, all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from samverkan.cli.options import Failure, Group, act, common
from samverkan.services import measurements
from samverkan.services.inputs import ImportMeasurements


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


COMMANDS = (measurements_group,)
