"""`samverkan`: the command line for coordinators and for the IT department that runs the service.

The root group only; the commands live one module per domain in `samverkan.cli.commands`."""

from __future__ import annotations

import click

from samverkan.cli.commands import (
    backup,
    calendar,
    county,
    cycle,
    db,
    decisions,
    est,
    measurements,
    notifications,
    organisation,
    packets,
    process,
    service,
    simulate,
    substance,
    sweep,
    users,
    web,
)
from samverkan.cli.options import CONTEXT, Group


@click.group(name="samverkan", cls=Group, context_settings=CONTEXT)
def app() -> None:
    """Samverkan – kommunens och polisens lokala brottsförebyggande arbete,
    från lägesbild och orsaksanalys till överenskommelse, genomförande och uppföljning."""


for module in (
    organisation,
    db,
    cycle,
    substance,
    decisions,
    process,
    calendar,
    simulate,
    service,
    sweep,
    web,
    users,
    backup,
    notifications,
    est,
    measurements,
    county,
    packets,
):
    for command in module.COMMANDS:
        app.add_command(command)
