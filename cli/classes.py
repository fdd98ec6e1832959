"""The Swedish command classes, the shared context settings and the expected failure: the light part of the
command line, which `samverkan --help` needs without importing any command's module."""

from __future__ import annotations

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


class Failure(click.ClickException):
    """An expected failure: printed as 'fel: ...' without a traceback, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"fel: {self.format_message()}", err=True)
