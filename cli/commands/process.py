"""`samverkan process`: the process definitions, their phases and done-when criteria."""

from __future__ import annotations

from pathlib import Path

import click

from samverkan.cli.options import Group
from samverkan.core.issues import ConfigError
from samverkan.process.definition import available_definitions, load_definition, validate_definition_file


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
def process_validate(files: tuple[str, ...]) -> None:
    """Kontrollera processdefinitioner; varje problem skrivs som FIL:RAD: vad som är fel."""
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
    if failed:
        raise click.exceptions.Exit(1)


COMMANDS = (process_group,)
