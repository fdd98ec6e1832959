"""The substance of a cycle: problems and their priority, causes, the cause analysis and the åtgärder."""

from __future__ import annotations

import click

from samverkan.cli.commands.lagesbild import PROBLEM_COMMANDS
from samverkan.cli.options import Group, action, db_option, json_option, negated, parse_date, print_json, run
from samverkan.core.labels import label
from samverkan.models import Cause, CauseAnalysis, Measure, Problem
from samverkan.models.analysis import CitizenDialogue, MeasureChange, PerspectiveNotRelevant
from samverkan.models.enums import TRIANGLE, CausePerspective, MeasureStatus
from samverkan.services import atgardsplan, orsaksanalys, substance
from samverkan.services.inputs import (
    AddCause,
    AddMeasure,
    AddProblem,
    CancelMeasure,
    ChangeMeasure,
    CompleteAnalysis,
    NotRelevant,
    Prioritise,
    RecordDialogue,
    UpdateMeasure,
)
from samverkan.services.orsaksanalys import CauseView
from samverkan.services.overview import find_organisation
from samverkan.services.plan_view import MeasureView, measure_view, measure_views


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
@click.option("--sources", help="Källorna bakom orsaken.")
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
@click.option("--goal", "operational_goal", help="Mål (SMART).")
@click.option("--indicator", "indicator_ids", type=int, multiple=True, help="Id på en indikator som visar effekten.")
@click.option("--arbetsgrupp", help="Arbetsgruppen som genomför åtgärden.")
@click.option("--planned-hours", type=float, help="Planerade timmar.")
@click.option("--planned-cost", "planned_cost_sek", type=float, help="Planerad kostnad i kronor.")
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


@action(analysis_group, "not-relevant", orsaksanalys.mark_not_relevant, NotRelevant)
@click.argument("problem_id", metavar="PROBLEM", type=int)
@click.option("--perspective", required=True, type=click.Choice([p.value for p in TRIANGLE]), help="Perspektivet.")
@click.option("--reason", required=True, help="Inte relevant, eftersom …")
def analysis_not_relevant(note: PerspectiveNotRelevant) -> None:
    """Ange att ett perspektiv i problemtriangeln inte är relevant för PROBLEM, och varför."""
    click.echo(f"Perspektivet {label(note.perspective)} är inte relevant, eftersom {note.reason}")


@action(analysis_group, "dialogue", orsaksanalys.record_dialogue, RecordDialogue)
@click.argument("problem_id", metavar="PROBLEM", type=int)
@click.option("--held-on", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="När dialogen hölls.")
@click.option("--form", required=True, help="Form, t.ex. trygghetsvandring eller enkät.")
@click.option("--participants", required=True, type=int, help="Hur många som deltog (bara antal).")
@click.option("--outcome", required=True, help="Vad som kom fram.")
def analysis_dialogue(dialogue: CitizenDialogue) -> None:
    """Registrera en medborgardialog i orsaksanalysen av PROBLEM (bara antal, aldrig vilka)."""
    click.echo(f"Medborgardialog {dialogue.held_on}: {dialogue.form}")


def _cause_lines(view: CauseView) -> list[str]:
    under = f", bakom orsak nr {view.underlying_of}" if view.underlying_of else ""
    kind = "direkt" if view.direct else "indirekt"
    return [
        f"Orsak id {view.id} (nr {view.number} i analysen av problem nr {view.problem_id} '{view.problem}')",
        f"  {view.perspective}, {kind}{under}: {view.description}",
        f"  Källor: {view.sources or '–'}",
        f"  Åtgärder: {'; '.join(view.measures) if view.measures else 'inga'}",
    ]


@cause_group.command("list")
@click.argument("organisation")
@click.option("--problem", "problem_id", type=int, help="Bara orsakerna till problem NR.")
@db_option
@json_option
def cause_list(organisation: str, problem_id: int | None, db_url: str | None, as_json: bool) -> None:
    """Lista orsakerna i den pågående cykelns orsaksanalyser."""
    views = run(db_url, lambda s: orsaksanalys.cause_views(s, find_organisation(s, organisation), problem_id))
    if as_json:
        print_json([v.__dict__ for v in views])
        return
    for view in views:
        indent = "  " if view.underlying_of else ""
        click.echo(f"{indent}{view.id:>4}  {view.perspective:<15} {view.description}  (problem nr {view.problem_id})")
    if not views:
        click.echo("Inga orsaker är registrerade i den pågående cykeln.")


@cause_group.command("show")
@click.argument("organisation")
@click.argument("cause_id", metavar="ID", type=int)
@db_option
@json_option
def cause_show(organisation: str, cause_id: int, db_url: str | None, as_json: bool) -> None:
    """Visa orsak ID: perspektiv, källor och åtgärderna som verkar på den."""
    view = run(db_url, lambda s: orsaksanalys.cause_view(s, find_organisation(s, organisation), cause_id))
    if as_json:
        print_json(view.__dict__)
        return
    click.echo("\n".join(_cause_lines(view)))


def _measure_lines(view: MeasureView) -> list[str]:
    state = " – AVBRUTEN" if view.state == "avbruten" else ""
    money = f"{view.planned_hours or 0:g} h, {view.planned_cost_sek or 0:g} kr planerat"
    return [
        f"Åtgärd nr {view.id}: {view.title}{state}",
        f"  Problem nr {view.problem_id} '{view.problem}', orsak id {view.cause_id}: {view.cause}",
        f"  Mål: {view.goal or '–'}",
        f"  Ansvar: {view.owner}; arbetsgrupp: {view.arbetsgrupp or '–'}; klart senast {view.due_on}; {money}",
        f"  Uppföljning: {view.follow_up}",
        f"  Indikatorer: {', '.join(view.indicators) if view.indicators else 'ingen'}",
        f"  Status: {label(view.status)}, {view.progress_pct} % genomfört",
        *(f"  {line}" for line in view.decisions),
    ]


@measure_group.command("list")
@click.argument("organisation")
@db_option
@json_option
def measure_list(organisation: str, db_url: str | None, as_json: bool) -> None:
    """Lista åtgärderna i den pågående cykeln, per problem och orsak."""
    views = run(db_url, lambda s: measure_views(s, find_organisation(s, organisation)))
    if as_json:
        print_json([v.__dict__ for v in views])
        return
    for view in views:
        state = "avbruten" if view.state == "avbruten" else f"{label(view.status)} {view.progress_pct} %"
        click.echo(f"{view.id:>4}  {view.title}  [{state}, senast {view.due_on}]  (orsak id {view.cause_id})")
    if not views:
        click.echo("Inga åtgärder är registrerade i den pågående cykeln.")


@measure_group.command("show")
@click.argument("organisation")
@click.argument("measure_id", metavar="NR", type=int)
@db_option
@json_option
def measure_show(organisation: str, measure_id: int, db_url: str | None, as_json: bool) -> None:
    """Visa åtgärd NR: orsak, mål, indikatorer, plan, status och besluten som ändrat den."""
    view = run(db_url, lambda s: measure_view(s, find_organisation(s, organisation), measure_id))
    if as_json:
        print_json(view.__dict__)
        return
    click.echo("\n".join(_measure_lines(view)))


def _none_if_empty(_ctx: click.Context, _param: click.Parameter, value: tuple[int, ...]) -> list[int] | None:
    return list(value) if value else None


@action(measure_group, "change", atgardsplan.change_measure, ChangeMeasure)
@click.argument("measure_id", metavar="NR", type=int)
@click.option("--decision", "decision_text", required=True, help="Det beslutande organets beslut och skäl.")
@click.option("--decided-on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Beslutsdatum (standard: i dag).")
@click.option("--diarienummer", help="Beslutets diarienummer.")
@click.option("--title", help="Ny rubrik.")
@click.option("--goal", "operational_goal", help="Nytt mål (SMART).")
@click.option("--owner", help="Ny ansvarig rollfunktion.")
@click.option("--arbetsgrupp", help="Ny arbetsgrupp.")
@click.option("--due", "due_on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Nytt slutdatum.")
@click.option("--follow-up", help="Ny uppföljning.")
@click.option("--planned-hours", type=float, help="Nya planerade timmar.")
@click.option("--planned-cost", "planned_cost_sek", type=float, help="Ny planerad kostnad i kronor.")
@click.option("--indicator", "indicator_ids", type=int, multiple=True, callback=_none_if_empty, help="Indikator-id.")
def measure_change(change: MeasureChange) -> None:
    """Ändra omfattningen av åtgärd NR genom ett beslut av det beslutande organet."""
    click.echo(f"Åtgärd nr {change.measure_id} är ändrad genom beslut nr {change.decision_id}.")


@action(measure_group, "cancel", atgardsplan.cancel_measure, CancelMeasure)
@click.argument("measure_id", metavar="NR", type=int)
@click.option("--decision", "decision_text", required=True, help="Det beslutande organets beslut och skäl.")
@click.option("--decided-on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Beslutsdatum (standard: i dag).")
@click.option("--diarienummer", help="Beslutets diarienummer.")
def measure_cancel(change: MeasureChange) -> None:
    """Avbryt åtgärd NR genom ett beslut av det beslutande organet (den visas sedan som avbruten)."""
    click.echo(f"Åtgärd nr {change.measure_id} är avbruten genom beslut nr {change.decision_id}.")


COMMANDS = (problem_group, cause_group, analysis_group, measure_group)
