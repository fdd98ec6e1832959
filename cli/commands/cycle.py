"""`samverkan cycle`: start a cycle, see where it stands, complete items and phases, reopen, set deadlines,
move a running cycle onto the current process definition."""

from __future__ import annotations

from datetime import date

import click

from samverkan.cli.options import (
    Group,
    act,
    action,
    as_input,
    common,
    date_option,
    db_option,
    echo_transition,
    json_option,
    on_or_today,
    print_json,
    run,
    to_date,
)
from samverkan.models import Cycle
from samverkan.models.enums import EvidenceKind
from samverkan.services import cycle, upgrade
from samverkan.services.cycle import Transition
from samverkan.services.inputs import CompleteItem, EvidenceInput, ReopenPhase, SetDeadline, StartCycle
from samverkan.services.upgrade import UpgradeResult
from samverkan.templates.rendering import render


@click.group("cycle", cls=Group)
def cycle_group() -> None:
    """Cykeln: starta, se läget, markera punkter klara, gå vidare eller tillbaka."""


@action(cycle_group, "start", cycle.start_cycle, StartCycle)
@click.option(
    "--definition", "definition_key", default="samverkan", show_default=True, help="Processdefinition att följa."
)
def cycle_start(started: Cycle) -> None:
    """Starta en ny cykel för ORGANISATION (den första börjar med uppstarten)."""
    click.echo(f"Cykel {started.number} har startat ({started.definition_key}).")


@cycle_group.command("status")
@click.argument("organisation")
@date_option
@db_option
@json_option
def cycle_status(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Visa cykelns faser, checklistor med bevis och vad som saknas för att gå vidare."""
    view = run(db_url, lambda s: cycle.cycle_status(s, organisation, on_or_today(on)))
    if as_json:
        print_json(view.to_dict())
    else:
        click.echo(render("cli/cycle.txt.j2", c=view, org_key=organisation), nl=False)


@cycle_group.command("complete")
@click.argument("organisation")
@click.argument("item", metavar="PUNKT")
@click.option(
    "--evidence", "kind", required=True, type=click.Choice([k.value for k in EvidenceKind]), help="Typ av bevis."
)
@click.option("--title", required=True, help="Vad beviset är, t.ex. 'Polisens lägesbild 2027'.")
@click.option("--uri", help="Var dokumentet finns (sökväg, diarienummer eller länk).")
@click.option("--decision", "decision_id", type=int, help="Beslutets nummer, när beviset är ett beslut.")
@common
@json_option
def cycle_complete(
    organisation: str,
    item: str,
    kind: str,
    title: str,
    uri: str | None,
    decision_id: int | None,
    actor: str | None,
    api_key: str | None,
    on: date | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Markera PUNKT (nummer, nyckel eller fas/nyckel) som klar, med bevis."""
    evidence = as_input(EvidenceInput, kind=kind, title=title, uri=uri, decision_id=decision_id)
    transition = act(
        db_url, cycle.complete_item, organisation, actor, on, CompleteItem, api_key, item=item, evidence=evidence
    )
    if as_json:
        print_json({"item": item, "done": True, **transition.__dict__})
        return
    click.echo(f"Klar: {item}")
    echo_transition(transition)


@action(cycle_group, "advance", cycle.complete_phase)
def cycle_advance(transition: Transition) -> None:
    """Avsluta den pågående fasen; om något saknas listas exakt vad."""
    echo_transition(transition)


@action(cycle_group, "reopen", cycle.reopen_phase, ReopenPhase)
@click.argument("phase_key", metavar="FAS")
@click.option("--reason", required=True, help="Varför omtaget görs (sparas i historiken).")
def cycle_reopen(transition: Transition) -> None:
    """Omtag: gå tillbaka till en tidigare FAS. Dess punkter öppnas igen; historiken behålls."""
    echo_transition(transition)


@cycle_group.command("deadline")
@click.argument("organisation")
@click.argument("item", metavar="PUNKT")
@click.argument("due", metavar="ÅÅÅÅ-MM-DD")
@common
def cycle_deadline(
    organisation: str, item: str, due: str, actor: str | None, api_key: str | None, on: date | None, db_url: str | None
) -> None:
    """Sätt tidsfristen för PUNKT (styrgruppen gör det)."""
    updated = act(
        db_url, cycle.set_deadline, organisation, actor, on, SetDeadline, api_key, item=item, due_on=to_date(due)
    )
    click.echo(f"{updated.title}: senast {updated.due_on}")


@action(cycle_group, "upgrade", upgrade.upgrade_definition)
def cycle_upgrade(result: UpgradeResult) -> None:
    """Flytta över den pågående cykeln till processbeskrivningen som den ser ut nu. Klara punkter och deras
    bevis behålls, nya punkter får tidsfrister; vägras om den pågående fasen eller en klar punkt skulle
    försvinna."""
    echo_transition(result)


COMMANDS = (cycle_group,)
