"""Decisions in the bodies, signing the agreement and the medborgarlöften, and renewing them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import click
from sqlmodel import Session

from samverkan.cli.options import (
    Failure,
    Group,
    action,
    db_option,
    json_option,
    negated,
    on_or_today,
    parse_date,
    print_json,
    run,
)
from samverkan.core.labels import label
from samverkan.models import Agreement, AgreementGoal, CitizenPromise, Decision, PromiseActivity
from samverkan.models.enums import ActivityStatus
from samverkan.services import agreement_content, agreements, promises
from samverkan.services.agreement_view import AgreementSummary, PromiseSummary, agreement_summary, promise_summaries
from samverkan.services.agreements import DecisionView, SigningResult
from samverkan.services.decision_register import decision_register
from samverkan.services.inputs import (
    AddActivity,
    AddGoal,
    AgreementTerms,
    CommunicatePromise,
    CoverProblem,
    FollowUpActivity,
    PromiseText,
    RecordDecision,
    RenewAgreement,
    RenewPromise,
    SignDecision,
    Signing,
)
from samverkan.services.overview import find_organisation
from samverkan.templates.rendering import render


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
    """Skriv under överenskommelsen (agreement) eller ett medborgarlöfte (promise) för din part.

    Innehållet måste vara komplett innan någon kan skriva under; annars nekas underskriften med en lista över
    det som saknas."""
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


day_option = click.option("--date", "on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Dagen (standard: i dag).")


@agreement_group.command("show")
@click.argument("organisation")
@day_option
@db_option
@json_option
def agreement_show(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Visa överenskommelsens innehåll: texten som skrivs under, versionen, vem som skrivit under och vilken
    version som gäller."""

    def read(session: Session) -> AgreementSummary:
        return agreement_summary(session, find_organisation(session, organisation), None, on_or_today(on))

    summary = run(db_url, read)
    if as_json:
        print_json(asdict(summary))
        return
    click.echo(render("cli/agreement.txt.j2", a=summary), nl=False)


def _promises(db_url: str | None, organisation: str, on: date | None) -> list[PromiseSummary]:
    return run(db_url, lambda s: promise_summaries(s, find_organisation(s, organisation), None, on_or_today(on)))


@click.group("promise", cls=Group)
def promise_group() -> None:
    """Medborgarlöften."""


@promise_group.command("list")
@click.argument("organisation")
@day_option
@db_option
@json_option
def promise_list(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Medborgarlöftena: ett per kommun, med version, status, aktiviteter och risker."""
    summaries = _promises(db_url, organisation, on)
    if as_json:
        print_json([asdict(p) for p in summaries])
        return
    for p in summaries:
        told = f"kommunicerat {p.communicated_on}" if p.communicated_on else "inte kommunicerat"
        in_force = f"gäller: version {p.version_in_force}" if p.version_in_force else "ingen version gäller i dag"
        click.echo(
            f"{p.kommun}: {p.title}, version {p.version} ({label(p.status)}); {in_force}; "
            f"{len(p.activities)} aktiviteter; {len(p.risks)} risker; {told}"
        )


@promise_group.command("show")
@click.argument("organisation")
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@day_option
@db_option
@json_option
def promise_show(organisation: str, kommun: str | None, on: date | None, db_url: str | None, as_json: bool) -> None:
    """Visa ett medborgarlöfte: texten, aktiviteterna med uppföljning och risker, underskrifter och kommunikation."""
    summaries = _promises(db_url, organisation, on)
    chosen = [p for p in summaries if kommun is None or p.kommun == kommun]
    if len(chosen) != 1:
        keys = ", ".join(p.kommun for p in summaries) or "inga"
        raise Failure(f"ange vilken kommuns medborgarlöfte som avses (--kommun): {keys}")
    if as_json:
        print_json(asdict(chosen[0]))
        return
    click.echo(render("cli/promise.txt.j2", p=chosen[0]), nl=False)


@action(promise_group, "renew", agreements.renew_promise, RenewPromise)
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--from", "starts_on", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
def promise_renew(renewed: CitizenPromise) -> None:
    """Nästa medborgarlöfte för en kommun; det gamla behålls."""
    click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end})")


@action(agreement_group, "terms", agreement_content.set_terms, AgreementTerms)
@click.option("--from", "period_start", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@click.option("--to", "period_end", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@click.option("--review", "review_on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Revideras senast.")
@click.option("--documentation", help="Så dokumenteras arbetet.")
@click.option("--follow-up", "follow_up", help="Så följs arbetet upp.")
def agreement_terms(agreement: Agreement) -> None:
    """Överenskommelsens period, revisionsdatum, dokumentation och uppföljning."""
    click.echo(f"{agreement.title}: version {agreement.version} är ändrad ({label(agreement.status)})")


@action(agreement_group, "problem", agreement_content.cover_problem, CoverProblem)
@click.argument("problem_id", metavar="NR", type=int)
@click.option("--remove", "covered", is_flag=True, callback=negated, help="Ta bort problemet ur överenskommelsen.")
def agreement_problem(agreement: Agreement) -> None:
    """Ta med det prioriterade problemet NR (med dess orsaker) i överenskommelsen."""
    click.echo(f"{agreement.title}: version {agreement.version} är ändrad")


@action(agreement_group, "goal", agreement_content.add_goal, AddGoal)
@click.option("--indicator", "indicator_id", required=True, type=int, help="Indikatorns nummer.")
@click.option("--problem", "problem_id", type=int, help="Problemets nummer (valfritt).")
@click.option("--text", "description", required=True, help="Det mätbara målet.")
@click.option("--baseline", "baseline_value", type=float, help="Utgångsvärde (standard: indikatorns).")
@click.option("--baseline-year", "baseline_year", type=int)
@click.option("--target", "target_value", type=float, help="Målvärde (standard: indikatorns).")
@click.option("--target-year", "target_year", type=int)
def agreement_goal(goal: AgreementGoal) -> None:
    """Lägg till ett mätbart mål knutet till en indikator."""
    click.echo(f"Mål {goal.number} är tillagt")


@action(promise_group, "text", promises.set_promise_text, PromiseText)
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--text", required=True, help="Löftet.")
def promise_text(promise: CitizenPromise) -> None:
    """Skriv medborgarlöftets text."""
    click.echo(f"{promise.title}: version {promise.version} ({label(promise.status)})")


@action(promise_group, "activity", promises.add_activity, AddActivity)
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--title", required=True, help="Aktiviteten.")
@click.option("--owner", "owner_party", help="Ansvarig part (kommunens eller lokalpolisområdets nyckel).")
@click.option("--due", "due_on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Klart senast.")
def promise_activity(activity: PromiseActivity) -> None:
    """Lägg till en aktivitet i medborgarlöftet."""
    click.echo(f"Aktivitet {activity.number}: {activity.title}")


@action(promise_group, "follow-up", promises.follow_up_activity, FollowUpActivity)
@click.argument("activity_number", metavar="NR", type=int)
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--status", required=True, type=click.Choice([s.value for s in ActivityStatus]))
@click.option("--text", "follow_up", help="Uppföljningen.")
def promise_follow_up(activity: PromiseActivity) -> None:
    """Följ upp aktivitet NR: status och vad som gjorts."""
    click.echo(f"Aktivitet {activity.number}: {label(activity.status)}")


@action(promise_group, "communicated", promises.communicate, CommunicatePromise)
@click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
@click.option("--on", "communicated_on", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
@click.option("--how", "communicated_how", required=True, help="Hur löftet kommunicerades.")
def promise_communicated(promise: CitizenPromise) -> None:
    """Registrera när och hur medborgarlöftet kommunicerades till medborgarna."""
    click.echo(f"{promise.title}: kommunicerat {promise.communicated_on}")


COMMANDS = (decision_group, sign, agreement_group, promise_group)
