"""The substance of a cycle: problems and their priority, causes, the cause analysis and the åtgärder."""

from __future__ import annotations

import click

from samverkan.cli.commands.lagesbild import PROBLEM_COMMANDS
from samverkan.cli.options import Group, action, negated, parse_date
from samverkan.core.labels import label
from samverkan.models import Cause, CauseAnalysis, Measure, Problem
from samverkan.models.enums import CausePerspective, MeasureStatus
from samverkan.services import substance
from samverkan.services.inputs import AddCause, AddMeasure, AddProblem, CompleteAnalysis, Prioritise, UpdateMeasure


@click.group("problem", cls=Group)
def problem_group() -> None:
    """Problem i den gemensamma lägesbilden och deras prioritering."""


@action(problem_group, "add", substance.add_problem, AddProblem)
@click.argument("title", metavar="RUBRIK")
@click.option("--description", help="Beskrivning: vad, var, när (inga personuppgifter).")
@click.option("--area", help="Område (geografi).")
@click.option("--category", help="Kategori, t.ex. skadegörelse.")
@click.option("--from", "period_from", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Period från.")
@click.option("--to", "period_to", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Period till.")
def problem_add(problem: Problem) -> None:
    """Lägg till ett problem i den pågående cykeln."""
    click.echo(f"Problem nr {problem.id}: {problem.title}")


@action(problem_group, "prioritise", substance.prioritise, Prioritise)
@click.argument("problem_id", metavar="NR", type=int)
@click.option("--rank", type=int, help="Prioritetsordning (1 = högst).")
@click.option("--rationale", help="Styrgruppens motivering.")
@click.option("--deprioritise", "prioritised", is_flag=True, callback=negated, help="Bortprioritera i stället.")
def problem_prioritise(problem: Problem) -> None:
    """Ändra prioriteringen av ett enskilt problem NR. Problemet räknas då som ej beslutat tills det
    beslutande organet protokollför en ny prioritering av alla problem (problem decide)."""
    state = "prioriterat" if problem.prioritised else "bortprioriterat"
    click.echo(f"Problem nr {problem.id} är {state}.")


for _command in PROBLEM_COMMANDS:  # list, show, source, assess, decide: the lägesbild's own commands
    problem_group.add_command(_command)


@click.group("cause", cls=Group)
def cause_group() -> None:
    """Orsaksanalys: troliga orsaker till ett prioriterat problem."""


@action(cause_group, "add", substance.add_cause, AddCause)
@click.argument("problem_id", metavar="PROBLEM", type=int)
@click.option(
    "--perspective",
    required=True,
    type=click.Choice([p.value for p in CausePerspective]),
    help="Perspektiv: brottsutsatt, gärningsperson, plats eller situation.",
)
@click.option("--direct/--indirect", default=True, help="Direkt eller indirekt orsak.")
@click.option("--text", "description", required=True, help="Orsaken.")
@click.option("--parent", type=int, help="Nummer på den orsak som denna ligger bakom.")
def cause_add(cause: Cause) -> None:
    """Lägg till en trolig orsak i orsaksanalysen av PROBLEM."""
    click.echo(f"Orsak id {cause.id} (nr {cause.number} i analysen): {cause.description}")


@click.group("analysis", cls=Group)
def analysis_group() -> None:
    """Orsaksanalysen som helhet."""


@action(analysis_group, "complete", substance.complete_analysis, CompleteAnalysis)
@click.argument("problem_id", metavar="PROBLEM", type=int)
@click.option("--summary", help="Sammanfattning.")
@click.option("--sources", "sources_used", help="Vilka källor som använts (och vilka som valts bort).")
def analysis_complete(analysis: CauseAnalysis) -> None:
    """Markera orsaksanalysen av PROBLEM som klar (kräver minst en orsak)."""
    click.echo(f"Orsaksanalysen av problem nr {analysis.problem_id} är klar.")


@click.group("measure", cls=Group)
def measure_group() -> None:
    """Åtgärder: alltid kopplade till en orsak, med ansvarig, slutdatum och uppföljning."""


@action(measure_group, "add", substance.add_measure, AddMeasure)
@click.option("--cause", "cause_id", type=int, help="Id på orsaken som åtgärden verkar på.")
@click.option("--title", required=True, help="Åtgärden.")
@click.option("--owner", required=True, help="Ansvarig rollfunktion, t.ex. samordnare.")
@click.option("--due", "due_on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Slutdatum.")
@click.option("--follow-up", default="", help="Hur åtgärden följs upp.")
@click.option("--goal", "operational_goal", help="Operativt mål.")
def measure_add(measure: Measure) -> None:
    """Lägg till en åtgärd i åtgärdsplanen."""
    click.echo(f"Åtgärd nr {measure.id}: {measure.title} (senast {measure.due_on})")


@action(measure_group, "update", substance.update_measure, UpdateMeasure)
@click.argument("measure_id", metavar="NR", type=int)
@click.option("--status", type=click.Choice([s.value for s in MeasureStatus]), help="grön, gul eller röd.")
@click.option("--progress", "progress_pct", type=int, help="Genomfört i procent.")
@click.option("--hours", "hours_spent", type=float, help="Nedlagda timmar.")
@click.option("--cost", "cost_sek", type=float, help="Kostnad i kronor.")
def measure_update(measure: Measure) -> None:
    """Rapportera status och genomförande för åtgärd NR."""
    click.echo(f"Åtgärd nr {measure.id}: {label(measure.status)}, {measure.progress_pct} % genomfört")


COMMANDS = (problem_group, cause_group, analysis_group, measure_group)
