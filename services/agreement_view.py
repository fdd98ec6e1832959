"""What the agreement page and the medborgarlöften page show: the text being signed and its hash, who signs for
which party (and whether the viewer may), the version in force, the versions, and what can be chosen from the
cycle (prioritised problems, indicators)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.labels import local_stamp
from samverkan.models import (
    Agreement,
    CitizenPromise,
    Cycle,
    Organisation,
    Person,
    Problem,
    PromiseActivity,
    Role,
    Signature,
)
from samverkan.models.enums import CycleStatus
from samverkan.roles.holding import holders, roles_held
from samverkan.services.agreement_content import (
    agreement_in_force,
    agreement_versions,
    changed_since_signing,
    fully_signed,
    promises_in_force,
    signatures_of,
)
from samverkan.services.agreement_text import (
    activities_of,
    agreement_content,
    content_hash,
    missing_content,
    police_party,
    text_to_sign,
)
from samverkan.services.agreements import (
    Subject,
    latest_agreement,
    latest_promises,
    missing_before_signing,
    party_of,
    signers,
)
from samverkan.services.errors import NotFoundError
from samverkan.services.measure_links import organisation_indicators
from samverkan.services.promises import activity_risks, promise_risks


@dataclass
class SignerView:
    party: str
    role: str
    holders: str
    signed: str | None  # "Namn (Roll), 2027-01-11 10:15"
    binds_text: bool  # the signature's hash is the text's


@dataclass
class SigningView:
    """One version as it is signed: the exact text, its hash, the parties and the viewer's own part."""

    title: str
    version: int
    status: str
    period: str
    text: str
    hash: str
    signers: list[SignerView]
    mine: list[str]  # the parties the viewer may still sign for (none while the content stops signing)
    complete: bool  # signed by every party, each signature binding this text
    changed_since_signing: bool
    missing: list[str] = field(default_factory=list)  # what the content lacks
    missing_before_signing: list[str] = field(default_factory=list)  # what stops anyone signing (the text not frozen)


def _signer_views(
    session: Session, organisation: Organisation, subject: Subject, digest: str, on: date
) -> list[SignerView]:
    by_party = {s.party_id: s for s in signatures_of(session, subject)}
    views = []
    for signer in signers(session, organisation, subject):
        done: Signature | None = by_party.get(signer.party.id or 0)
        who = session.get(Person, done.person_id) if done else None
        role = session.get(Role, done.role_id) if done else signer.role
        names = ", ".join(p.name for p in holders(session, signer.role, on)) if signer.role else ""
        views.append(
            SignerView(
                signer.party.name,
                role.name if role else "ingen undertecknande roll",
                names or "vakant",
                f"{who.name if who else '?'} ({role.name if role else '?'}), {local_stamp(done.signed_at)}"
                if done
                else None,
                done is not None and done.content_hash in (None, digest),
            )
        )
    return views


def signing_view(
    session: Session, organisation: Organisation, subject: Subject, person: Person | None, on: date
) -> SigningView:
    text = text_to_sign(session, organisation, subject)
    digest = content_hash(text)
    views = _signer_views(session, organisation, subject, digest, on)
    held = {role.id for role in roles_held(session, organisation, person, on)} if person else set()
    signed = {v.party for v in views if v.signed}
    mine = [
        s.party.name
        for s in signers(session, organisation, subject)
        if s.role is not None and s.role.id in held and s.party.name not in signed
    ]
    missing = missing_content(session, organisation, subject)
    stopping = missing_before_signing(session, organisation, subject, missing)
    open_to_sign = str(subject.status) in ("utkast", "vantar_pa_underskrift") and not stopping
    return SigningView(
        subject.title, subject.version, str(subject.status), f"{subject.period_start}–{subject.period_end}", text,
        digest, views, mine if open_to_sign else [], fully_signed(session, organisation, subject),
        changed_since_signing(session, organisation, subject), missing, stopping,
    )  # fmt: skip


def _active_cycle(session: Session, organisation: Organisation) -> Cycle | None:
    return session.exec(
        select(Cycle).where(Cycle.organisation_id == organisation.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()


def _version_rows(session: Session, organisation: Organisation, versions: list[Agreement]) -> list[dict[str, Any]]:
    rows = []
    for version in versions:
        cycle = session.get(Cycle, version.cycle_id) if version.cycle_id else None
        rows.append(
            {
                "version": version.version,
                "period": f"{version.period_start}–{version.period_end}",
                "status": version.status,
                "cycle": cycle.number if cycle else None,
                "signed": fully_signed(session, organisation, version),
            }
        )
    return rows


def _choosable(session: Session, organisation: Organisation, agreement: Agreement) -> dict[str, Any]:
    """The cycle's prioritised problems (with whether the agreement covers them) and the indicators."""
    cycle = _active_cycle(session, organisation)
    content = agreement_content(session, agreement)
    covered = {p.id for p in content.problems}
    problems = (
        session.exec(
            select(Problem)
            .where(Problem.cycle_id == cycle.id, col(Problem.prioritised))
            .order_by(col(Problem.rank), col(Problem.id))
        ).all()
        if cycle
        else []
    )
    indicators = organisation_indicators(session, organisation)
    return {
        "cycle": cycle,
        "content": content,
        "problems": [{"problem": p, "covered": p.id in covered} for p in problems],
        "covered": [p for p in problems if p.id in covered],
        "indicators": list(indicators),
    }


def agreement_page(session: Session, organisation: Organisation, person: Person | None, on: date) -> dict[str, Any]:
    latest = latest_agreement(session, organisation)
    if latest is None:
        return {"latest": None}
    in_force = agreement_in_force(session, organisation, on)
    versions = agreement_versions(session, organisation)
    upcoming = next(
        (v for v in versions if v.period_start > on and fully_signed(session, organisation, v)), None
    )  # signed by all, its period not begun
    return {
        "latest": latest,
        "upcoming": upcoming,
        "signing": signing_view(session, organisation, latest, person, on),
        "in_force": in_force,
        "in_force_view": signing_view(session, organisation, in_force, person, on)
        if in_force and in_force.id != latest.id
        else None,
        "versions": _version_rows(session, organisation, versions),
        **_choosable(session, organisation, latest),
    }


# -- medborgarlöften ---------------------------------------------------------------------------------


def _activity_rows(session: Session, activities: list[PromiseActivity], on: date) -> list[dict[str, Any]]:
    rows = []
    for activity in activities:
        owner = session.get(Organisation, activity.owner_party_id) if activity.owner_party_id else None
        rows.append({"a": activity, "owner": owner.name if owner else None, "risks": activity_risks(activity, on)})
    return rows


def _promise_entry(
    session: Session, organisation: Organisation, promise: CitizenPromise, person: Person | None, on: date
) -> dict[str, Any]:
    kommun = party_of(session, promise.municipality_id)
    in_force = next((p for p in promises_in_force(session, organisation, on) if p.municipality_id == kommun.id), None)
    followed = in_force or promise
    police = police_party(session, organisation)
    return {
        "kommun": kommun,
        "promise": promise,
        "signing": signing_view(session, organisation, promise, person, on),
        "in_force": in_force,
        "followed": followed,
        "activities": _activity_rows(session, activities_of(session, followed), on),
        "risks": promise_risks(session, organisation, followed, on),
        "owners": [p for p in (kommun, police) if p is not None],
        "versions": [
            {"version": p.version, "period": f"{p.period_start}–{p.period_end}", "status": p.status,
             "signed": fully_signed(session, organisation, p), "communicated_on": p.communicated_on}
            for p in _versions_of(session, promise)
        ],
    }  # fmt: skip


def _versions_of(session: Session, promise: CitizenPromise) -> list[CitizenPromise]:
    found = [promise]
    while found[-1].previous_id is not None:
        previous = session.get(CitizenPromise, found[-1].previous_id)
        if previous is None:
            break
        found.append(previous)
    return found


def promises_page(session: Session, organisation: Organisation, person: Person | None, on: date) -> dict[str, Any]:
    agreement = latest_agreement(session, organisation)
    if agreement is None:
        return {"entries": []}
    promises = latest_promises(session, agreement)
    return {
        "agreement": agreement,
        "entries": [_promise_entry(session, organisation, p, person, on) for p in promises],
    }


# -- the HTTP API's answers ---------------------------------------------------------------------------


@dataclass
class GoalSummary:
    number: int
    description: str
    indicator_id: int
    indicator: str
    problem: str | None
    baseline_value: float | None
    baseline_year: int | None
    target_value: float | None
    target_year: int | None


@dataclass
class AgreementSummary:
    """The newest version (what is being signed) and the version in force today."""

    version: int
    title: str
    status: str
    period_start: date
    period_end: date
    review_on: date | None
    cycle_number: int | None
    problems: list[str]
    goals: list[GoalSummary]
    documentation: str | None
    follow_up: str | None
    signing: SigningView
    version_in_force: int | None


def agreement_summary(
    session: Session, organisation: Organisation, person: Person | None, on: date
) -> AgreementSummary:
    page = agreement_page(session, organisation, person, on)
    latest: Agreement | None = page["latest"]
    if latest is None:
        raise NotFoundError(f"{organisation.name} har ingen samverkansöverenskommelse registrerad")
    content = page["content"]
    cycle = session.get(Cycle, latest.cycle_id) if latest.cycle_id else None
    return AgreementSummary(
        latest.version, latest.title, str(latest.status), latest.period_start, latest.period_end, latest.review_on,
        cycle.number if cycle else None, [p.title for p in content.problems],
        [GoalSummary(g.number, g.description, g.indicator_id, g.indicator, g.problem, g.baseline_value,
                     g.baseline_year, g.target_value, g.target_year) for g in content.goals],
        latest.documentation, latest.follow_up, page["signing"],
        page["in_force"].version if page["in_force"] else None,
    )  # fmt: skip


@dataclass
class ActivitySummary:
    number: int
    title: str
    owner: str | None
    due_on: date | None
    status: str
    follow_up: str | None
    risks: list[str]


@dataclass
class PromiseSummary:
    kommun: str
    kommun_name: str
    version: int
    title: str
    status: str
    period_start: date
    period_end: date
    text: str | None
    version_in_force: int | None
    communicated_on: date | None
    communicated_how: str | None
    activities: list[ActivitySummary]
    risks: list[str]
    signing: SigningView


def promise_summaries(
    session: Session, organisation: Organisation, person: Person | None, on: date
) -> list[PromiseSummary]:
    summaries = []
    for e in promises_page(session, organisation, person, on)["entries"]:
        p, followed = e["promise"], e["followed"]
        activities = [
            ActivitySummary(r["a"].number, r["a"].title, r["owner"], r["a"].due_on, str(r["a"].status),
                            r["a"].follow_up, r["risks"])
            for r in e["activities"]
        ]  # fmt: skip
        summaries.append(
            PromiseSummary(
                e["kommun"].key, e["kommun"].name, p.version, p.title, str(p.status), p.period_start, p.period_end,
                p.text, e["in_force"].version if e["in_force"] else None, followed.communicated_on,
                followed.communicated_how, activities, e["risks"], e["signing"],
            )
        )  # fmt: skip
    return summaries
