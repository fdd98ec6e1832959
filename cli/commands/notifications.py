"""Messages: the outbox, delivering what is due now, and a test message to a role's holders.

Imports inside a command are there for speed only: `samverkan --help` should not load Apprise."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlmodel import Session, col, select

from samverkan.cli.options import (
    DATE_METAVAR,
    Command,
    Failure,
    Group,
    date_option,
    db_option,
    json_option,
    on_or_today,
    open_engine,
    parse_date,
    print_json,
    refusal_as_failure,
    run,
)
from samverkan.core.labels import count_text, label
from samverkan.core.timeutil import local, utcnow
from samverkan.models import Notification, Organisation, Person
from samverkan.orgconfig.validate import validate_file
from samverkan.services.errors import ServiceError

STATUSES = ["vantar", "skickas", "skickad", "misslyckad", "stoppad"]


def _outbox_rows(session: Session, organisation: str | None, status: str | None, limit: int) -> list[dict[str, Any]]:
    query = select(Notification, Person.email).join(Person, col(Person.id) == Notification.person_id, isouter=True)
    if organisation:
        org = session.exec(select(Organisation).where(Organisation.key == organisation)).first()
        if org is None:
            raise ServiceError(f"organisationen '{organisation}' finns inte")
        query = query.where(Notification.organisation_id == org.id)
    if status:
        query = query.where(Notification.status == status)
    found = session.exec(query.order_by(col(Notification.id).desc()).limit(limit)).all()
    return [
        {
            "id": n.id,
            "status": n.status,
            "kind": n.kind,
            "to": email,
            "role": n.role_key,
            "subject": n.subject,
            "not_before": local(n.not_before).isoformat(timespec="minutes"),
            "attempts": n.attempts,
            "last_error": n.last_error,
        }
        for n, email in found
    ]


class OutboxGroup(Group):
    """`outbox [ORG] [--status …]` lists (as `outbox list`); `outbox retry …` re-queues failed messages."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@click.group("outbox", cls=OutboxGroup)
def outbox_group() -> None:
    """Utkorgen: lista meddelanden (outbox [ORG]) eller skicka misslyckade igen (outbox retry)."""


@outbox_group.command("list")
@click.argument("organisation", required=False)
@click.option("--status", type=click.Choice(STATUSES), help="Bara meddelanden med denna status.")
@click.option("--limit", default=50, show_default=True, help="Högst så många rader.")
@db_option
@json_option
def outbox_list(organisation: str | None, status: str | None, limit: int, db_url: str | None, as_json: bool) -> None:
    """Utkorgen: väntande, misslyckade och skickade meddelanden (senaste först)."""
    found = run(db_url, _outbox_rows, organisation, status, limit)
    if as_json:
        print_json(found)
        return
    for row in found:
        error = f" – {row['last_error']}" if row["last_error"] else ""
        click.echo(
            f"{row['id']:>6} {label(row['status']):<10} {row['not_before']} {row['to'] or '-'}: "
            f"{row['subject']} (försök {row['attempts']}){error}"
        )
    if not found:
        click.echo("Utkorgen är tom.")


@outbox_group.command("retry")
@click.argument("organisation", required=False)
@click.option("--id", "ids", type=int, multiple=True, metavar="ID", help="Meddelandets id (flera går bra).")
@click.option("--kind", metavar="SLAG", help="Alla misslyckade av detta slag, t.ex. paminnelse-3.")
@click.option("--since", callback=parse_date, metavar=DATE_METAVAR, help="Alla som misslyckats sedan detta datum.")
@db_option
@json_option
def outbox_retry(
    organisation: str | None,
    ids: tuple[int, ...],
    kind: str | None,
    since: date | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Skicka misslyckade meddelanden igen: de köas om och får ett nytt varv av försök."""
    from samverkan.services.redelivery import retry_failed

    requeued = run(
        db_url, retry_failed, "system:cli", utcnow(), organisation=organisation, ids=ids, kind=kind, since=since
    )
    if as_json:
        print_json({"requeued": requeued})
    elif requeued:
        listed = ", ".join(str(i) for i in requeued)
        click.echo(f"{count_text(len(requeued), 'meddelande', 'meddelanden')} köade igen: {listed}")
    else:
        click.echo("Inga misslyckade meddelanden matchade.")


@click.command("deliver", cls=Command)
@db_option
@json_option
def deliver_command(db_url: str | None, as_json: bool) -> None:
    """Skicka det som står på tur i utkorgen nu: en körning (leveransflödet bevakar utkorgen hela tiden)."""
    from samverkan.notifications.delivery import deliver_pending
    from samverkan.notifications.retry import ScheduleError

    try:
        report = deliver_pending(open_engine(db_url))
    except ScheduleError as exc:
        raise Failure(str(exc)) from None
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(
            f"skickade {report.sent}, försöker igen {report.retrying}, misslyckade {report.failed}, "
            f"stoppade {report.cancelled}, väntar till arbetsdag {report.postponed}, "
            f"leveransproblem till samordnare {report.problem_digests}"
        )


@click.group("notify", cls=Group)
def notify_group() -> None:
    """Meddelanden."""


def _organisation_key(organisation: str) -> str:
    """The key itself, or the key of the organisation in a file given instead."""
    if not (organisation.endswith((".yaml", ".yml")) or Path(organisation).is_file()):
        return organisation
    result = validate_file(organisation)
    if result.config is None:
        raise Failure(f"{organisation} är inte giltig: kör 'samverkan validate {organisation}'")
    return result.config.organisation.key


@notify_group.command("test")
@click.argument("role", metavar="ROLL")
@click.option("--org", "organisation", required=True, help="Organisationens nyckel eller organisationsfil.")
@date_option
@db_option
@json_option
def notify_test(role: str, organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Skicka ett testmeddelande till ROLLens innehavare och visa per mottagare vad som hände."""
    from samverkan.services.test_message import send_test

    key = _organisation_key(organisation)
    engine = open_engine(db_url)
    with refusal_as_failure():
        report = send_test(engine, key, role, on_or_today(on))
    if as_json:
        print_json(report.per_recipient)
    else:
        for recipient in report.per_recipient:
            routes = ", ".join(recipient["routes"]) or "ingen kontaktväg"
            outcome = "skickat" if recipient["status"] == "skickad" else f"INTE skickat: {recipient['error']}"
            click.echo(f"{recipient['to']}: {outcome} ({routes})")
    if report.failed or report.retrying:
        raise click.exceptions.Exit(1)


COMMANDS = (outbox_group, deliver_command, notify_group)
