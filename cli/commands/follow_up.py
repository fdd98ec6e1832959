"""`samverkan followup`: the yearly follow-up of the indicators the cycle's åtgärder rely on."""

from __future__ import annotations

import click

from samverkan.cli.options import Group, action, db_option, json_option, print_json, run
from samverkan.services import follow_up
from samverkan.services.inputs import ExplainIndicator


@click.group("followup", cls=Group)
def followup_group() -> None:
    """Årsuppföljningen: varje indikator som åtgärderna vilar på har ett värde för cykeln eller ett skäl."""


@action(followup_group, "explain", follow_up.explain_indicator, ExplainIndicator)
@click.argument("indicator", metavar="INDIKATOR")
@click.argument("reason", metavar="SKÄL")
def followup_explain(explained: follow_up.Explained) -> None:
    """Ange varför INDIKATOR saknar värde för den pågående cykeln."""
    click.echo(f"Skälet är sparat; {explained.indicator_name} räknas som uppföljd utan värde.")


@followup_group.command("status")
@click.argument("organisation")
@db_option
@json_option
def followup_status(organisation: str, db_url: str | None, as_json: bool) -> None:
    """Visa indikatorerna som cykeln följer upp: värde för cykeln, eller skälet till att det saknas."""
    states = run(db_url, lambda session: follow_up.indicator_states(session, organisation))
    if as_json:
        print_json([state.__dict__ for state in states])
        return
    for state in states:
        shown = "har värde" if state.has_value else f"saknar värde – {state.reason or 'INGET SKÄL ANGIVET'}"
        click.echo(f"{state.key}: {state.name}: {shown}")
    if not states:
        click.echo("Inga indikatorer är kopplade till cykelns åtgärder.")


COMMANDS = (followup_group,)
