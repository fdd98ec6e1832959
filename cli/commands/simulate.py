"""`samverkan simulate`: a period on a simulated clock, every trigger in order; nothing is sent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from samverkan.cli.options import Command, Failure, json_option, period_options, print_json
from samverkan.core.labels import count_text, label
from samverkan.orgconfig.validate import validate_file
from samverkan.services.simulation import Simulation, simulate


@click.command("simulate", cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FIL...")
@period_options
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Mapp för underlag och rapporter, eller FIL.csv: varje meddelande som tabell (öppnas i Excel).",
)
@click.option("--no-cycle", is_flag=True, help="Starta ingen cykel (bara rytmerna).")
@click.option("--pdf", is_flag=True, help="Skriv även underlagen som PDF (tar längre tid).")
@json_option
def simulate_command(
    files: tuple[Path, ...], first: date, last: date, out: Path | None, no_cycle: bool, pdf: bool, as_json: bool
) -> None:
    """Förhandsvisa perioden: alla utlösare i ordning på en simulerad klocka. Inget skickas."""
    results = [validate_file(file) for file in files]
    bad = [issue for result in results for issue in result.errors]
    if bad:
        for issue in bad:
            click.echo(str(issue), err=True)
        raise Failure("simuleringen körs inte: rätta felen ovan")
    if last < first:
        raise Failure(f"perioden slutar ({last}) innan den börjar ({first})")
    csv_file = out if out is not None and out.suffix.lower() == ".csv" else None
    folder = None if csv_file else out
    simulation = simulate(results, first, last, folder, start_cycle=not no_cycle, pdf=pdf)
    if csv_file is not None:
        written = write_csv(simulation, csv_file)
        click.echo(f"{count_text(written, 'meddelande', 'meddelanden')} skrivna till {csv_file}", err=as_json)
    if as_json:
        print_json(simulation.to_dict())
        return
    summary = simulation.result.to_dict()  # the counts; to_dict() above adds the period to them
    click.echo(f"Simulering {first}–{last}: {', '.join(simulation.organisations)}")
    click.echo("Utlösare: " + ", ".join(f"{label(k)} {v}" for k, v in summary["triggers"].items()))
    click.echo(f"Meddelanden: {summary['notifications_total']} (skickas inte)")
    for role, count in summary["notifications"].items():
        click.echo(f"  {role}: {count}")
    click.echo(f"Underlag och rapporter: {len(simulation.result.documents)}" + (f" i {folder}" if folder else ""))
    for error in summary["errors"]:
        click.echo(f"varning: {error}", err=True)


def write_csv(simulation: Simulation, target: Path) -> int:
    try:
        return simulation.write_csv(target)
    except OSError as exc:
        raise Failure(f"{target} kan inte skrivas: {exc.strerror}") from None


COMMANDS = (simulate_command,)
