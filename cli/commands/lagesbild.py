"""The joint lägesbild on the command line: problems listed and shown (one number each), their sources and
criteria matrix, the prioritisation as the deciding body's decision, and the parties' own lägesbilder."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import click

from samverkan.cli.options import Failure, Group, action, common, db_option, json_option, parse_date, print_json, run
from samverkan.cli.options import act as act_as
from samverkan.core.labels import label
from samverkan.core.settings import get_settings
from samverkan.models import PartyLagesbild, Problem, ProblemSource
from samverkan.models.enums import ProblemSourceKind
from samverkan.services import lagesbild
from samverkan.services.inputs import AddPartyLagesbild, AddProblemSource, AssessProblem, RecordPrioritisation
from samverkan.services.lagesbild_view import CRITERIA_SV, ProblemView, problem_of, problems_of
from samverkan.services.prioritisation import PrioritisationView, record_prioritisation

UPLOADS = "uppladdat"  # under the data folder, as the web app keeps them (web/state.py)


def _line(problem: ProblemView) -> str:
    if problem.decision_id and problem.prioritised:
        state = f"prioritet {problem.rank}"
    elif problem.decision_id:
        state = "bortprioriterat"
    else:
        state = "ej beslutat"
    where = ", ".join(x for x in (problem.area, problem.category) if x)
    return f"{problem.id:>4}  {problem.title}{f' ({where})' if where else ''} – {state}, {len(problem.sources)} källor"


@click.command("list")
@click.argument("organisation")
@db_option
@json_option
def problem_list(organisation: str, db_url: str | None, as_json: bool) -> None:
    """Lista problemen i den pågående cykelns lägesbild, med nummer och prioritering."""
    problems = run(db_url, lambda session: problems_of(session, organisation))
    if as_json:
        print_json([p.__dict__ for p in problems])
        return
    if not problems:
        click.echo("Lägesbilden har inga problem ännu.")
    for problem in problems:
        click.echo(_line(problem))


@click.command("show")
@click.argument("organisation")
@click.argument("problem_id", metavar="NR", type=int)
@db_option
@json_option
def problem_show(organisation: str, problem_id: int, db_url: str | None, as_json: bool) -> None:
    """Visa problem NR: beskrivning, område, kategori, period, källor, bedömning och beslut."""
    problem = run(db_url, lambda session: problem_of(session, organisation, problem_id))
    if as_json:
        print_json({**problem.__dict__, "sources": [s.__dict__ for s in problem.sources]})
        return
    click.echo(_line(problem))
    period = f"{problem.period_from or '…'} – {problem.period_to or '…'}"
    facts = {"Beskrivning": problem.description, "Område": problem.area, "Kategori": problem.category}
    for name, value in {**facts, "Period": period, "Motivering": problem.rationale}.items():
        click.echo(f"{name}: {value or '–'}")
    scores = ", ".join(f"{CRITERIA_SV[k]} {v or '–'}" for k, v in problem.scores.items())
    click.echo(f"Bedömning: {scores} (summa {problem.total if problem.total is not None else 'ej bedömt'})")
    for source in problem.sources:
        click.echo(f"  Källa ({label(source.kind)}): {source.text}{f' – {source.note}' if source.note else ''}")


@action(None, "source", lagesbild.add_source, AddProblemSource)
@click.argument("problem_id", metavar="NR", type=int)
@click.option("--kind", required=True, type=click.Choice([k.value for k in ProblemSourceKind]), help="Typ av källa.")
@click.option("--est-category", help="EST-kategori (för est_aggregat).")
@click.option("--est-area", help="EST-område (för est_aggregat).")
@click.option("--indicator", "indicator_id", type=int, help="Indikatorns nummer (för indikator).")
@click.option("--upload", "upload_id", type=int, help="Det uppladdade dokumentets nummer (för dokument).")
@click.option("--party-lagesbild", "party_lagesbild_id", type=int, help="Partens lägesbild (nummer).")
@click.option("--note", help="Vad källan visar.")
def problem_source(source: ProblemSource) -> None:
    """Ange en källa som stödjer problem NR."""
    click.echo(f"Källa nr {source.id} är tillagd för problem nr {source.problem_id}.")


@action(None, "assess", lagesbild.assess_problem, AssessProblem)
@click.argument("problem_id", metavar="NR", type=int)
@click.option("--extent", type=int, required=True, help="Omfattning 1–5.")
@click.option("--severity", type=int, required=True, help="Allvar 1–5.")
@click.option("--trend", type=int, required=True, help="Utveckling 1–5.")
@click.option("--insecurity", type=int, required=True, help="Otrygghet 1–5.")
@click.option("--cost", type=int, required=True, help="Kostnad 1–5.")
def problem_assess(problem: Problem) -> None:
    """Bedöm problem NR enligt kriterierna (1 = lite, 5 = mycket)."""
    click.echo(f"Problem nr {problem.id} har summan {sum(v or 0 for v in problem.scores().values())}.")


def _ranking(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[dict[str, Any]]:
    """--rank NR=RANG[:motivering] or NR=bort:skäl, one per problem."""
    entries = []
    for value in values:
        number, _, rest = value.partition("=")
        rank, _, reason = rest.partition(":")
        if not number.strip().isdigit() or not rank.strip():
            raise click.BadParameter(f"'{value}' ska skrivas NR=RANG, NR=RANG:motivering eller NR=bort:skäl")
        given_rank = None if rank.strip() == "bort" else rank.strip()
        entries.append({"problem_id": int(number), "rank": given_rank, "reason": reason.strip() or None})
    return entries


@action(None, "decide", record_prioritisation, RecordPrioritisation)
@click.option("--rank", "ranking", multiple=True, required=True, callback=_ranking, metavar="NR=RANG[:MOTIVERING]",
              help="Ett problems prioritet; NR=bort:skäl bortprioriterar. En gång per problem.")  # fmt: skip
@click.option("--decided-on", "decided_on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Beslutsdatum.")
@click.option("--dnr", "diarienummer", help="Diarienummer.")
@click.option("--body", "body_key", help="Organet, bara om det finns flera av det slag processen anger.")
def problem_decide(view: PrioritisationView) -> None:
    """Protokollför det beslutande organets prioritering av alla problem som ETT beslut."""
    click.echo(f"Prioriteringen är beslut nr {view.decision_id} av {view.body_name} den {view.decided_on}:")
    for ranked in view.ranked:
        click.echo(f"  {ranked.rank}. {ranked.title} (problem nr {ranked.id})")
    for dropped in view.deprioritised:
        click.echo(f"  bortprioriterat: {dropped.title} (problem nr {dropped.id}) – {dropped.reason}")


PROBLEM_COMMANDS = (problem_list, problem_show, problem_source, problem_assess, problem_decide)


@click.group("lagesbild", cls=Group)
def lagesbild_group() -> None:
    """Parternas egna lägesbilder (kommunens, polisens) i den gemensamma lägesbilden."""


@lagesbild_group.command("add")
@click.argument("organisation")
@click.argument("party", metavar="PART")
@click.argument("file", metavar="FIL", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", required=True, help="Rubrik.")
@click.option("--summary", required=True, help="Kort sammanfattning (inga personuppgifter).")
@common
def lagesbild_add(organisation: str, party: str, file: Path, title: str, summary: str, **given: Any) -> None:
    """Lägg in PARTs egen lägesbild (dokumentet FIL) med en kort sammanfattning."""
    folder = Path(get_settings().data_dir) / UPLOADS
    data = file.read_bytes()
    if not data:
        raise Failure(f"{file}: filen är tom")
    own: PartyLagesbild = act_as(
        given["db_url"],
        lambda session, actor, model: lagesbild.add_party_lagesbild(session, actor, model, folder),
        organisation,
        given["actor"],
        given["on"],
        AddPartyLagesbild,
        party=party,
        title=title,
        summary=summary,
        filename=file.name,
        content_base64=base64.b64encode(data).decode("ascii"),
    )
    click.echo(f"Lägesbild nr {own.id}: {own.title}")


COMMANDS = (lagesbild_group,)
