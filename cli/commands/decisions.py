"""Decisions in the bodies, signing the agreement and the medborgarlöften, and renewing them."""

from __future__ import annotations

import click

from samverkan.cli.options import Group, action, db_option, json_option, parse_date, print_json, run
from samverkan.core.labels import label
from samverkan.models import Agreement, CitizenPromise, Decision
from samverkan.services import agreements
from samverkan.services.agreements import DecisionView, SigningResult
from samverkan.services.decision_register import decision_register
from samverkan.services.inputs import RecordDecision, RenewAgreement, RenewPromise, SignDecision, Signing
from samverkan.services.overview import find_organisation


@click.group("decision", cls=Group)
def decision_group() -> None:
    """Beslut i styrgrupp, lokala BRÅ och andra organ."""


@action(decision_group, "record", agreements.record_decision, RecordDecision)
@click.option("--body", "body_key", required=True, help="Organets nyckel, t.ex. styrgrupp.")
@click.option("--kind", default="beslut", show_default=True, help="Typ, t.ex. inriktningsbeslut.")
@click.option("--title", required=True, help="Rubrik.")
@click.option("--text", required=True, help="Beslutstext.")
@click.option("--decided-on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Beslutsdatum.")
@click.option("--diarienummer", help="Diarienummer.")
def decision_record(decision: Decision) -> None:
    """Protokollför ett beslut."""
    click.echo(f"Beslut nr {decision.number}: {decision.title} ({decision.decided_on})")


@action(decision_group, "sign", agreements.sign_decision, SignDecision)
@click.argument("decision_id", metavar="NR", type=int)
def decision_sign(view: DecisionView) -> None:
    """Justera beslut NR (ordföranden i organet som fattade det)."""
    click.echo(f"Beslut nr {view.number} är justerat av {', '.join(view.signatories)}")


@decision_group.command("list")
@click.argument("organisation")
@db_option
@json_option
def decision_list(organisation: str, db_url: str | None, as_json: bool) -> None:
    """Lista organisationens beslut, nyast först: Beslut nr N, datum, organ och rubrik."""
    views = run(db_url, lambda s: decision_register(s, find_organisation(s, organisation))["decisions"])
    if as_json:
        print_json([view.__dict__ for view in views])
        return
    for view in views:
        click.echo(f"Beslut nr {view.number}  {view.decided_on}  {view.body or '–'}: {view.title}")
    if not views:
        click.echo("Inga beslut är protokollförda.")


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
        f"Beslut nr {view.number} – {view.body or ''}, {view.decided_on}"
        f"{f', dnr {view.diarienummer}' if view.diarienummer else ''}\n{view.title}\n\n{view.text}\n"
    )
    click.echo(f"Protokollfört av: {view.recorded_by or '–'}")
    click.echo(f"Justerat av: {', '.join(view.signatories) if view.signatories else 'ej justerat'}")


@action(None, "sign", agreements.sign, Signing, with_json=True)
@click.argument("what", metavar="VAD", type=click.Choice(["agreement", "promise"]), default="agreement")
@click.option("--kommun", help="Vilken kommuns medborgarlöfte (i ett samverkansområde).")
def sign(result: SigningResult, as_json: bool) -> None:
    """Skriv under överenskommelsen (agreement) eller ett medborgarlöfte (promise) för din part."""
    if as_json:
        print_json(result.__dict__)
        return
    click.echo(f"{result.title}: {label(result.status)}")
    if result.missing:
        click.echo(f"Underskrift saknas från: {', '.join(result.missing)}")


@click.group("agreement", cls=Group)
def agreement_group() -> None:
    """Samverkansöverenskommelsen."""


@action(agreement_group, "renew", agreements.renew_agreement, RenewAgreement)
@click.option("--from", "starts_on", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@click.option("--to", "ends_on", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
def agreement_renew(renewed: Agreement) -> None:
    """Förnya överenskommelsen: en ny version; den gamla behålls."""
    click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end}), utkast")


@click.group("promise", cls=Group)
def promise_group() -> None:
    """Medborgarlöften."""


@action(promise_group, "renew", agreements.renew_promise, RenewPromise)
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--from", "starts_on", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
def promise_renew(renewed: CitizenPromise) -> None:
    """Nästa medborgarlöfte för en kommun; det gamla behålls."""
    click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end})")


COMMANDS = (decision_group, sign, agreement_group, promise_group)
