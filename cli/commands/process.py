"""`samverkan process`: the process definitions, their phases and done-when criteria."""

from __future__ import annotations

from pathlib import Path

import click

from samverkan.cli.options import Group, run
from samverkan.core.issues import ConfigError
from samverkan.process.definition import available_definitions, load_definition, validate_definition_file
from samverkan.services.pinning import CycleBehind, cycles_behind


@click.group("process", cls=Group)
def process_group() -> None:
    """Processdefinitioner: faserna och deras klart-när-kriterier (egna i SAMVERKAN_PROCESS_DIR)."""


@process_group.command("list")
def process_list() -> None:
    """Visa tillgängliga processdefinitioner."""
    for key in available_definitions():
        definition = load_definition(key)
        phases = ", ".join(phase.name for phase in definition.phases)
        click.echo(f"{key} (version {definition.version}): {definition.name}\n    {phases}")


@process_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False), metavar="FIL...")
@click.option("--db", "db_url", metavar="URL", help="Lista också databasens pågående cykler på en annan version.")
def process_validate(files: tuple[str, ...], db_url: str | None) -> None:
    """Kontrollera processdefinitioner; varje problem skrivs som FIL:RAD: vad som är fel. Med --db listas
    också pågående cykler som följer en annan version av definitionen än filen."""
    failed = False
    for file in files:
        try:
            definition = validate_definition_file(Path(file))
        except ConfigError as exc:
            failed = True
            for issue in exc.issues:
                click.echo(str(issue), err=True)
            continue
        click.echo(f"{file}: giltig ({len(definition.phases)} faser)")
        if db_url:
            _echo_cycles_behind(run(db_url, cycles_behind, definition))
    if failed:
        raise click.exceptions.Exit(1)


def _echo_cycles_behind(behind: list[CycleBehind]) -> None:
    if not behind:
        click.echo("  Inga pågående cykler följer en annan version.")
        return
    click.echo(
        "  Pågående cykler på en annan version (för dem gäller ändringen från nästa cykel, "
        "eller efter 'samverkan cycle upgrade ORGANISATION'):"
    )
    for cycle in behind:
        click.echo(f"    {cycle.organisation_key} ({cycle.organisation}), cykel {cycle.number}: {cycle.version}")
        for change in cycle.changes:
            click.echo(f"      - {change}")


COMMANDS = (process_group,)
