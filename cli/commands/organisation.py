"""The organisation in the database: load, show, demo and role handover (`validate` is in validate.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from samverkan.cli.options import (
    Command,
    Failure,
    act,
    date_option,
    db_option,
    db_url_or_default,
    json_option,
    on_or_today,
    parse_date,
    print_json,
    run,
    shared_option,
)
from samverkan.core.labels import count_text
from samverkan.core.timeutil import today_local
from samverkan.database import current_revision, make_engine
from samverkan.models import Purpose
from samverkan.orgconfig.loader import LoadReport, load_config
from samverkan.orgconfig.validate import validate_file
from samverkan.services import handover as handovers
from samverkan.services.inputs import Handover
from samverkan.services.installation import mark
from samverkan.services.overview import organisation_overview
from samverkan.templates.rendering import render

EXAMPLE = "examples/fagersta.yaml"


def _load(configs: tuple[Path, ...], db_url: str) -> list[LoadReport]:
    """Every file validated first; then all of them loaded in one transaction, so a bad file loads nothing."""
    results = [validate_file(config) for config in configs]
    bad = [result for result in results if not result.ok]
    for result in bad:
        for issue in result.issues:
            click.echo(str(issue), err=True)
    if bad:
        names = ", ".join(result.file for result in bad)
        others = ", och därför inte heller de andra filerna" if len(configs) > 1 else ""
        raise Failure(f"{names} läses inte in{others}: rätta felen ovan")
    reports = run(db_url, lambda session: [load_config(session, result) for result in results])
    for report in reports:  # data another organisation's file owns, kept as it was
        for warning in report.warnings:
            click.echo(str(warning), err=True)
    return reports


def _as_dict(report: LoadReport) -> dict[str, object]:
    return {
        "organisation": report.organisation_key,
        "changes": [str(c) for c in report.changes],
        "warnings": [str(w) for w in report.warnings],
    }


@click.command("load", cls=Command)
@click.argument("configs", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FIL...")
@db_option
@json_option
def load(configs: tuple[Path, ...], db_url: str | None, as_json: bool) -> None:
    """Läs in en eller flera organisationsfiler i databasen (alla eller ingen).

    Samma fil igen ändrar ingenting; en ändrad fil ger just skillnaden, och varje ändring
    skrivs i loggen (vem, vad, när, före och efter)."""
    reports = _load(configs, db_url_or_default(db_url))
    if as_json:
        print_json(_as_dict(reports[0]) if len(reports) == 1 else [_as_dict(report) for report in reports])
        return
    for report in reports:
        if report.unchanged:
            click.echo(f"{report.organisation_key}: inga ändringar")
            continue
        click.echo(f"{report.organisation_key}: {count_text(len(report.changes), 'ändring', 'ändringar')}")
        for change in report.changes:
            click.echo(f"  {change}")


def _show(key: str, db_url: str, on: date, as_json: bool) -> None:
    overview = run(db_url, lambda session: organisation_overview(session, key, on))
    if as_json:
        print_json(overview.to_dict())
    else:
        click.echo(render("cli/organisation.txt.j2", o=overview), nl=False)


@click.command("show", cls=Command)
@click.argument("organisation", metavar="ORGANISATION")
@click.option(
    "--date",
    "on",
    callback=parse_date,
    metavar="ÅÅÅÅ-MM-DD",
    help="Visa läget detta datum (standard: i dag).",
)
@db_option
@json_option
def show(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Visa en organisation: parter, organ, rollinnehavare, rytmer, indikatorer och var cykeln står.

    ORGANISATION är organisationens nyckel i filen, till exempel fagersta."""
    _show(organisation, db_url_or_default(db_url), on or today_local(), as_json)


@click.command("demo", cls=Command)
@click.argument("config", type=click.Path(path_type=Path), metavar="FIL", default=EXAMPLE)
@db_option
def demo(config: Path, db_url: str | None) -> None:
    """Huvudjobbet på den inbyggda standarden (SQLite): skapa databasen, läs in FIL och visa organisationen.
    En databas som skapas här är en demodatabas (där godtas --as utan API-nyckel)."""
    url = db_url_or_default(db_url)
    creating = current_revision(make_engine(url)) is None
    [report] = _load((config,), url)
    if creating:
        run(url, mark, Purpose.DEMO, "samverkan demo")
    state = "inga ändringar" if report.unchanged else count_text(len(report.changes), "ändring", "ändringar")
    click.echo(f"Läste in {config} i {url} ({state}).\n")
    _show(report.organisation_key, url, today_local(), as_json=False)


@click.command("handover", cls=Command)
@click.argument("organisation")
@click.argument("role", metavar="ROLL")
@click.option("--to", "to_email", metavar="E-POST", help="Lämna över rollen till denna person.")
@click.option("--namn", "--name", "to_name", help="Namn, om personen är ny i Samverkan.")
@click.option("--from", "starts", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Första dagen för efterträdaren.")
@shared_option("as")
@shared_option("key")
@click.option(
    "--utanfor", "confirm_outside", is_flag=True, help="Bekräfta en adress utanför organisationens e-postdomäner."
)
@date_option
@db_option
@json_option
def handover(
    organisation: str,
    role: str,
    to_email: str | None,
    to_name: str | None,
    starts: date | None,
    actor: str | None,
    api_key: str | None,
    confirm_outside: bool,
    on: date | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Överlämning av ROLL: utan --to skrivs överlämningspaketet ut; med --to lämnas rollen över."""
    day = on_or_today(on)
    if to_email:
        act(
            db_url,
            handovers.handover,
            organisation,
            actor,
            on,
            Handover,
            api_key,
            role_key=role,
            to_email=to_email,
            to_name=to_name,
            starts_on=starts,
            confirm_outside=confirm_outside,
        )
        day = max(day, starts or day)
        if not as_json:
            click.echo(f"Rollen {role} har lämnats över till {to_email} från {starts or day}.\n")
    pack = run(db_url, lambda session: handovers.handover_pack(session, organisation, role, day))
    if as_json:
        print_json(pack.to_dict())
    else:
        click.echo(render("cli/handover.txt.j2", p=pack), nl=False)


COMMANDS = (load, show, demo, handover)
