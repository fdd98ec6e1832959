"""Decisions in the bodies, signing the agreement and the medborgarlöften, and renewing them."""

from __future__ import annotations

from datetime import date

import click

from samverkan.cli.options import (
    Command,
    Group,
    act,
    common,
    db_option,
    json_option,
    parse_date,
    print_json,
    run,
)
from samverkan.core.labels import label
from samverkan.services import agreements
from samverkan.services.inputs import RecordDecision, RenewAgreement, RenewPromise, SignDecision, Signing


@click.group("decision", cls=Group)
def decision_group() -> None:
    """Beslut i styrgrupp, lokala BRÅ och andra organ."""


@decision_group.command("record")
@click.argument("organisation")
@click.option("--body", required=True, help="Organets nyckel, t.ex. styrgrupp.")
@click.option("--kind", default="beslut", show_default=True, help="Typ, t.ex. inriktningsbeslut.")
@click.option("--title", required=True, help="Rubrik.")
@click.option("--text", required=True, help="Beslutstext.")
@click.option("--decided-on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Beslutsdatum.")
@click.option("--diarienummer", help="Diarienummer.")
@common
def decision_record(
    organisation: str,
    body: str,
    kind: str,
    title: str,
    text: str,
    decided_on: date | None,
    diarienummer: str | None,
    actor: str,
    on: date | None,
    db_url: str | None,
) -> None:
    """Protokollför ett beslut."""
    decision = act(
        db_url,
        agreements.record_decision,
        organisation,
        actor,
        on,
        RecordDecision,
        body_key=body,
        kind=kind,
        title=title,
        text=text,
        decided_on=decided_on,
        diarienummer=diarienummer,
    )
    click.echo(f"Beslut nr {decision.id}: {decision.title} ({decision.decided_on})")


@decision_group.command("sign")
@click.argument("organisation")
@click.argument("decision_id", metavar="NR", type=int)
@common
def decision_sign(organisation: str, decision_id: int, actor: str, on: date | None, db_url: str | None) -> None:
    """Justera beslut NR (ordföranden i organet som fattade det)."""
    view = act(db_url, agreements.sign_decision, organisation, actor, on, SignDecision, decision_id=decision_id)
    click.echo(f"Beslut nr {view.id} är justerat av {', '.join(view.signatories)}")


@decision_group.command("show")
@click.argument("organisation")
@click.argument("decision_id", metavar="NR", type=int)
@db_option
@json_option
def decision_show(organisation: str, decision_id: int, db_url: str | None, as_json: bool) -> None:
    """Visa beslut NR med organ, datum, text och vem som justerat."""
    view = run(db_url, lambda s: agreements.decision_view(s, organisation, decision_id))
    if as_json:
        print_json(view.__dict__)
        return
    click.echo(
        f"Beslut nr {view.id} – {view.body or ''}, {view.decided_on}"
        f"{f', dnr {view.diarienummer}' if view.diarienummer else ''}\n{view.title}\n\n{view.text}\n"
    )
    click.echo(f"Protokollfört av: {view.recorded_by or '–'}")
    click.echo(f"Justerat av: {', '.join(view.signatories) if view.signatories else 'ej justerat'}")


@click.command("sign", cls=Command)
@click.argument("organisation")
@click.argument("what", metavar="VAD", type=click.Choice(["agreement", "promise"]), default="agreement")
@click.option("--kommun", help="Vilken kommuns medborgarlöfte (i ett samverkansområde).")
@common
@json_option
def sign(
    organisation: str, what: str, kommun: str | None, actor: str, on: date | None, db_url: str | None, as_json: bool
) -> None:
    """Skriv under överenskommelsen (agreement) eller ett medborgarlöfte (promise) för din part."""
    result = act(db_url, agreements.sign, organisation, actor, on, Signing, what=what, kommun=kommun)
    if as_json:
        print_json(result.__dict__)
        return
    click.echo(f"{result.title}: {label(result.status)}")
    if result.missing:
        click.echo(f"Underskrift saknas från: {', '.join(result.missing)}")


@click.group("agreement", cls=Group)
def agreement_group() -> None:
    """Samverkansöverenskommelsen."""


@agreement_group.command("renew")
@click.argument("organisation")
@click.option("--from", "starts", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@click.option("--to", "ends", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@common
def agreement_renew(
    organisation: str, starts: date, ends: date, actor: str, on: date | None, db_url: str | None
) -> None:
    """Förnya överenskommelsen: en ny version; den gamla behålls."""
    renewed = act(
        db_url, agreements.renew_agreement, organisation, actor, on, RenewAgreement, starts_on=starts, ends_on=ends
    )
    click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end}), utkast")


@click.group("promise", cls=Group)
def promise_group() -> None:
    """Medborgarlöften."""


@promise_group.command("renew")
@click.argument("organisation")
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--from", "starts", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@common
def promise_renew(
    organisation: str, kommun: str | None, starts: date, actor: str, on: date | None, db_url: str | None
) -> None:
    """Nästa medborgarlöfte för en kommun; det gamla behålls."""
    renewed = act(
        db_url, agreements.renew_promise, organisation, actor, on, RenewPromise, kommun=kommun, starts_on=starts
    )
    click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end})")


COMMANDS = (decision_group, sign, agreement_group, promise_group)
