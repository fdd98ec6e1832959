"""`samverkan sweep`: the scheduled flows' sweep by hand, catching up from the last completed day
(services/catchup.py), for operators after an outage or to redo a period with --from."""

from __future__ import annotations

from datetime import date, datetime

import click

from samverkan.cli.database import open_database
from samverkan.cli.options import Command, Failure, db_option, db_url_or_default, json_option, parse_date, print_json
from samverkan.core.labels import count_text
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM
from samverkan.services.errors import ServiceError


def parse_moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """ÅÅÅÅ-MM-DD or ÅÅÅÅ-MM-DDTHH:MM; without an offset it is Stockholm time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' är ingen tidpunkt (ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)


@click.command("sweep", cls=Command)
@click.option("--now", "now", callback=parse_moment, metavar="TIDPUNKT", help="Svep som vid denna tidpunkt.")
@click.option(
    "--from", "from_day", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Ta igen allt som förföll från denna dag."
)
@click.option("--org", "org_keys", multiple=True, metavar="ORGANISATION", help="Bara dessa organisationer.")
@db_option
@json_option
def sweep_command(
    now: datetime | None, from_day: date | None, org_keys: tuple[str, ...], db_url: str | None, as_json: bool
) -> None:
    """Lägg allt som förfallit i utkorgen, från dagen efter det senaste fullbordade svepet (eller --from).

    Samma svep som de schemalagda flödena gör; att köra det två gånger gör ingenting två gånger."""
    from samverkan.database import session_scope
    from samverkan.services.catchup import catch_up

    try:
        url = db_url_or_default(db_url)
        documents = get_settings().production_data_dir(url) / "handlingar"
        engine = open_database(url)
        with session_scope(engine) as session:
            done = catch_up(session, now, org_keys=list(org_keys) or None, from_day=from_day, documents_dir=documents)
    except (ServiceError, ValueError) as exc:
        raise Failure(str(exc)) from None
    if as_json:
        print_json(done.to_dict())
        return
    result = done.to_dict()
    sent = count_text(result["notifications_total"], "meddelande", "meddelanden")
    click.echo(
        f"Svepte {done.first_day}–{done.last_day} ({done.scope}): {sent}, "
        f"{len(result['packets'])} dokument, {result['already_done']} redan gjorda"
    )
    for warning in done.warnings:
        click.echo(f"varning: {warning}", err=True)
    for error in result["errors"]:
        click.echo(f"varning: {error}", err=True)


COMMANDS = (sweep_command,)
