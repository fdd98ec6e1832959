"""`samverkan calendar`: the årshjul of an organisation file as text, JSON or iCalendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from samverkan.cli.options import Command, Failure, period_options, print_json
from samverkan.orgconfig.validate import validate_file
from samverkan.scheduling.calendar import as_ics, as_text, feed, organisation_events, schedule_issues


@click.command("calendar", cls=Command)
@click.argument("config", type=click.Path(path_type=Path), metavar="FIL")
@period_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "ics"]),
    default="text",
    show_default=True,
    help="Utdata: text, json eller ics (Outlook m.fl.).",
)
@click.option("--body", help="Bara ett organs flöde (organets nyckel).")
@click.option("--role", help="Bara en rolls flöde (rollens nyckel).")
def calendar_command(config: Path, first: date, last: date, fmt: str, body: str | None, role: str | None) -> None:
    """Årshjulet för organisationen i FIL: alla möten, rapporter och beslut i perioden."""
    result = validate_file(config)
    if not result.ok or result.config is None:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        raise Failure(f"{config} är inte giltig: rätta felen ovan")
    if last < first:
        raise Failure(f"perioden slutar ({last}) innan den börjar ({first})")
    org = result.config
    known_bodies, known_roles = {b.key for b in org.bodies}, {r.key for r in org.roles}
    if body and body not in known_bodies:
        raise Failure(f"organet '{body}' finns inte (finns: {', '.join(sorted(known_bodies))})")
    if role and role not in known_roles:
        raise Failure(f"rollen '{role}' finns inte (finns: {', '.join(sorted(known_roles))})")
    for issue in schedule_issues(result, first, last):  # what does not take place is never silent
        click.echo(str(issue), err=True)
    events = feed(organisation_events(org, first, last), org, body=body, role=role)
    name = org.organisation.name + (f" – {body}" if body else f" – {role}" if role else "") + " – årshjul"
    if fmt == "json":
        print_json([event.to_dict() for event in events])
    elif fmt == "ics":
        click.echo(as_ics(events, name), nl=False)
    else:
        click.echo(as_text(events, f"{name} {first}–{last}"), nl=False)


COMMANDS = (calendar_command,)
