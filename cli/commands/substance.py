"""The substance of a cycle: problems and their priority, causes, the cause analysis and the åtgärder."""

from __future__ import annotations

from datetime import date

import click

from samverkan.cli.options import Group, act, common, parse_date
from samverkan.core.labels import label
from samverkan.models.enums import CausePerspective, MeasureStatus
from samverkan.services import substance
from samverkan.services.inputs import AddCause, AddMeasure, AddProblem, CompleteAnalysis, Prioritise, UpdateMeasure


@click.group("problem", cls=Group)
def problem_group() -> None:
    """Problem i den gemensamma lägesbilden och deras prioritering."""


@problem_group.command("add")
@click.argument("organisation")
@click.argument("title", metavar="RUBRIK")
@click.option("--description", help="Beskrivning: vad, var, när (inga personuppgifter).")
@common
def problem_add(
    organisation: str, title: str, description: str | None, actor: str, on: date | None, db_url: str | None
) -> None:
    """Lägg till ett problem i den pågående cykeln."""
    problem = act(
        db_url, substance.add_problem, organisation, actor, on, AddProblem, title=title, description=description
    )
    click.echo(f"Problem nr {problem.id}: {problem.title}")


@problem_group.command("prioritise")
@click.argument("organisation")
@click.argument("problem_id", metavar="NR", type=int)
@click.option("--rank", type=int, help="Prioritetsordning (1 = högst).")
@click.option("--rationale", help="Styrgruppens motivering.")
@click.option("--deprioritise", is_flag=True, help="Bortprioritera i stället.")
@common
def problem_prioritise(
    organisation: str,
    problem_id: int,
    rank: int | None,
    rationale: str | None,
    deprioritise: bool,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Registrera styrgruppens prioritering av problem NR."""
    problem = act(
        db_url,
        substance.prioritise,
        organisation,
        actor,
        on,
        Prioritise,
        problem_id=problem_id,
        rank=rank,
        rationale=rationale,
        prioritised=not deprioritise,
    )
    state = "prioriterat" if problem.prioritised else "bortprioriterat"
    click.echo(f"Problem nr {problem.id} är {state}.")


@click.group("cause", cls=Group)
def cause_group() -> None:
    """Orsaksanalys: troliga orsaker till ett prioriterat problem."""


@cause_group.command("add")
@click.argument("organisation")
@click.argument("problem_id", metavar="PROBLEM", type=int)
@click.option(
    "--perspective",
    required=True,
    type=click.Choice([p.value for p in CausePerspective]),
    help="Perspektiv: brottsutsatt, gärningsperson, plats eller situation.",
)
@click.option("--direct/--indirect", default=True, help="Direkt eller indirekt orsak.")
@click.option("--text", required=True, help="Orsaken.")
@click.option("--parent", type=int, help="Nummer på den orsak som denna ligger bakom.")
@common
def cause_add(
    organisation: str,
    problem_id: int,
    perspective: str,
    direct: bool,
    text: str,
    parent: int | None,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Lägg till en trolig orsak i orsaksanalysen av PROBLEM."""
    cause = act(
        db_url,
        substance.add_cause,
        organisation,
        actor,
        on,
        AddCause,
        problem_id=problem_id,
        perspective=perspective,
        direct=direct,
        description=text,
        parent=parent,
    )
    click.echo(f"Orsak id {cause.id} (nr {cause.number} i analysen): {cause.description}")


@click.group("analysis", cls=Group)
def analysis_group() -> None:
    """Orsaksanalysen som helhet."""


@analysis_group.command("complete")
@click.argument("organisation")
@click.argument("problem_id", metavar="PROBLEM", type=int)
@click.option("--summary", help="Sammanfattning.")
@click.option("--sources", help="Vilka källor som använts (och vilka som valts bort).")
@common
def analysis_complete(
    organisation: str,
    problem_id: int,
    summary: str | None,
    sources: str | None,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Markera orsaksanalysen av PROBLEM som klar (kräver minst en orsak)."""
    act(
        db_url,
        substance.complete_analysis,
        organisation,
        actor,
        on,
        CompleteAnalysis,
        problem_id=problem_id,
        summary=summary,
        sources_used=sources,
    )
    click.echo(f"Orsaksanalysen av problem nr {problem_id} är klar.")


@click.group("measure", cls=Group)
def measure_group() -> None:
    """Åtgärder: alltid kopplade till en orsak, med ansvarig, slutdatum och uppföljning."""


@measure_group.command("add")
@click.argument("organisation")
@click.option("--cause", "cause_id", type=int, help="Id på orsaken som åtgärden verkar på.")
@click.option("--title", required=True, help="Åtgärden.")
@click.option("--owner", required=True, help="Ansvarig rollfunktion, t.ex. samordnare.")
@click.option("--due", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Slutdatum.")
@click.option("--follow-up", default="", help="Hur åtgärden följs upp.")
@click.option("--goal", help="Operativt mål.")
@common
def measure_add(
    organisation: str,
    cause_id: int | None,
    title: str,
    owner: str,
    due: date | None,
    follow_up: str,
    goal: str | None,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Lägg till en åtgärd i åtgärdsplanen."""
    measure = act(
        db_url,
        substance.add_measure,
        organisation,
        actor,
        on,
        AddMeasure,
        cause_id=cause_id,
        title=title,
        owner=owner,
        due_on=due,
        follow_up=follow_up,
        operational_goal=goal,
    )
    click.echo(f"Åtgärd nr {measure.id}: {measure.title} (senast {measure.due_on})")


@measure_group.command("update")
@click.argument("organisation")
@click.argument("measure_id", metavar="NR", type=int)
@click.option("--status", type=click.Choice([s.value for s in MeasureStatus]), help="grön, gul eller röd.")
@click.option("--progress", type=int, help="Genomfört i procent.")
@click.option("--hours", type=float, help="Nedlagda timmar.")
@click.option("--cost", type=float, help="Kostnad i kronor.")
@common
def measure_update(
    organisation: str,
    measure_id: int,
    status: str | None,
    progress: int | None,
    hours: float | None,
    cost: float | None,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Rapportera status och genomförande för åtgärd NR."""
    measure = act(
        db_url,
        substance.update_measure,
        organisation,
        actor,
        on,
        UpdateMeasure,
        measure_id=measure_id,
        status=status,
        progress_pct=progress,
        hours_spent=hours,
        cost_sek=cost,
    )
    click.echo(f"Åtgärd nr {measure.id}: {label(measure.status)}, {measure.progress_pct} % genomfört")


COMMANDS = (problem_group, cause_group, analysis_group, measure_group)
