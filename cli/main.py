"""`samverkan`: the command line for coordinators and for the IT department that runs the service.

The root group only; the commands live one module per domain in `samverkan.cli.commands`."""

from __future__ import annotations

# Command modules are imported by name when their command runs (lazy, for speed: `samverkan --help` imports
# no SQLAlchemy, Prefect or Apprise); the root help lists the commands from COMMANDS without importing them.
import importlib
import tomllib
from pathlib import Path

import click
from click.formatting import HelpFormatter

import samverkan.cli.commands  # noqa: F401  (makes Click's own words Swedish)
from samverkan.cli.classes import CONTEXT, Group

# Each command: the module in samverkan.cli.commands that has it in its COMMANDS, and the first paragraph of its
# help (the line the root help shows), from the data file cli/commands.toml; tests/test_cli_lazy.py keeps it equal to
# the commands themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    name: (entry["module"], entry["help"])
    # beside this module (a path, not importlib.resources: that import alone costs every command ~5 ms)
    for name, entry in tomllib.loads(Path(__file__).with_name("commands.toml").read_text("utf-8")).items()
}


class LazyGroup(Group):
    """The root group: its commands by name from COMMANDS, a command's module imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"samverkan.cli.commands.{COMMANDS[cmd_name][0]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """The command list as Click writes it, from the help lines in COMMANDS."""
        listing = click.Group(commands=[click.Command(name, help=text) for name, (_, text) in COMMANDS.items()])
        listing.format_commands(ctx, formatter)


@click.group(name="samverkan", cls=LazyGroup, context_settings=CONTEXT)
def app() -> None:
    """Samverkan – kommunens och polisens lokala brottsförebyggande arbete,
    från lägesbild och orsaksanalys till överenskommelse, genomförande och uppföljning."""
