"""The Swedish command classes, the shared context settings and the expected failure: the light part of the
command line, which `samverkan --help` needs without importing any command's module."""

from __future__ import annotations

import difflib
from typing import Any

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Command(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    command_class = Command
    group_class = type  # subgroups are of this class too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENT]...")
        super().__init__(*args, **kwargs)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """An unknown command is refused with the nearest known names ("Menade du ...?"), as Click does for
        options but not for commands."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            if near:
                ctx.fail(f"Okänt kommando {name!r}. Menade du {' eller '.join(near)}?")
        return super().resolve_command(ctx, args)


class Failure(click.ClickException):
    """An expected failure: printed as 'fel: ...' without a traceback, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"fel: {self.format_message()}", err=True)
