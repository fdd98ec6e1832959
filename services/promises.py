"""Medborgarlöften: the promise's text, its activities (owner party, deadline, status, follow-up), and when and how
it was communicated to citizens. The text and the activities (title, owner, deadline) are what the parties sign;
changing them after a signature makes a new version. Status, follow-up and communication are the follow-up of a
signed promise and change without new signatures.

The seeds' risk — promises "watered down" because the operative police resource is missing — is flagged: an
activity without an owner, one overdue, and a promise where the police owns no activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, func, select

from samverkan.core.ids import saved_id
from samverkan.models import CitizenPromise, Cycle, Organisation, PromiseActivity
from samverkan.models.enums import ActivityStatus, AgreementStatus
from samverkan.services.access import COORDINATING, Acting, require_function
from samverkan.services.actor import Actor
from samverkan.services.agreement_content import (
    agreement_of_cycle,
    changed_since_signing,
    fully_signed,
    promises_in_force,
    signatures_of,
)
from samverkan.services.agreement_text import activities_of, missing_content, police_party
from samverkan.services.agreements import latest_agreement, latest_promises, lock_newest, party_of, signing_facts
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import AddActivity, CommunicatePromise, FollowUpActivity, PromiseText
from samverkan.services.lifecycle import move
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data

FINISHED = (ActivityStatus.DONE, ActivityStatus.CANCELLED)


def latest_promise(session: Session, organisation: Organisation, kommun: str | None) -> CitizenPromise:
    """The newest version of a kommun's promise (the only kommun's when `kommun` is not given)."""
    agreement = latest_agreement(session, organisation)
    if agreement is None:
        raise NotFoundError(f"{organisation.name} har ingen samverkansöverenskommelse registrerad")
    promises = latest_promises(session, agreement)
    if kommun is None and len(promises) == 1:
        return promises[0]
    for promise in promises:
        if party_of(session, promise.municipality_id).key == kommun:
            return promise
    names = ", ".join(sorted(party_of(session, p.municipality_id).key for p in promises))
    raise NotFoundError(f"ange vilken kommuns medborgarlöfte som avses (kommun): {names or 'inga finns'}")


def _acting(session: Session, actor: Actor, what: str) -> tuple[Organisation, Acting]:
    organisation = find_organisation(session, actor.org_key)
    return organisation, require_function(session, organisation, actor, COORDINATING, what)


def _editing(session: Session, organisation: Organisation, kommun: str | None) -> CitizenPromise:
    """The newest version of the kommun's promise, for a change of what the parties sign: locked as `sign` locks
    it and read fresh, before anything is decided from it (in place or a new version, in `_working`)."""
    promise = lock_newest(session, lambda: latest_promise(session, organisation, kommun))
    assert promise is not None  # latest_promise finds one or refuses
    return promise


def _working(session: Session, acting: Acting, promise: CitizenPromise) -> CitizenPromise:
    """The version a content change goes into: this one while nobody has signed it, else a new version."""
    if promise.status == AgreementStatus.DRAFT and not signatures_of(session, promise):
        return promise
    if promise.status == AgreementStatus.PENDING_SIGNATURES:
        move(promise, AgreementStatus.SUPERSEDED, f"{promise.title} (version {promise.version})")
        session.add(promise)
    version = CitizenPromise(
        **promise.model_dump(
            exclude={"id", "version", "previous_id", "status", "content_text", "created_at", "communicated_on"}
            | {"communicated_how"}
        ),
        version=promise.version + 1,
        previous_id=promise.id,
    )
    session.add(version)
    session.flush()
    for a in activities_of(session, promise):
        session.add(
            PromiseActivity(
                promise_id=saved_id(version), number=a.number, title=a.title, owner_party_id=a.owner_party_id,
                due_on=a.due_on, status=ActivityStatus(a.status), follow_up=a.follow_up,
                followed_up_on=a.followed_up_on,
            )
        )  # fmt: skip
    audit(
        session,
        acting,
        acting.role.organisation_id,
        "promise.version",
        version,
        key=f"v{version.version}",
        before={"version": promise.version, "status": promise.status},
        after={"version": version.version, "reason": "innehållet ändrades efter underskrift"},
    )
    return version


def set_promise_text(session: Session, actor: Actor, given: PromiseText) -> CitizenPromise:
    organisation, acting = _acting(session, actor, "skriva medborgarlöftet")
    no_personal_data(loftet=given.text)
    latest = _editing(session, organisation, given.kommun)
    if (latest.text or "") == given.text.strip():
        raise RefusedError("löftets text är oförändrad")
    promise = _working(session, acting, latest)
    promise.text = given.text.strip()
    session.add(promise)
    audit(session, acting, organisation.id, "promise.text", promise, key=f"v{promise.version}")
    return promise


def _owner(session: Session, organisation: Organisation, promise: CitizenPromise, key: str | None) -> int | None:
    """The owning party: the promise's kommun or the police area (none is allowed, and flagged)."""
    if key is None:
        return None
    parties = [party_of(session, promise.municipality_id), police_party(session, organisation)]
    for party in parties:
        if party is not None and party.key == key:
            return party.id
    names = ", ".join(f"{p.key} ({p.name})" for p in parties if p is not None)
    raise RefusedError(f"'{key}' är inte part i medborgarlöftet; ansvarig part kan vara: {names}")


def add_activity(session: Session, actor: Actor, given: AddActivity) -> PromiseActivity:
    organisation, acting = _acting(session, actor, "lägga till aktiviteter i medborgarlöftet")
    no_personal_data(aktivitet=given.title)
    latest = _editing(session, organisation, given.kommun)
    owner = _owner(session, organisation, latest, given.owner_party)
    if given.due_on is not None and not latest.period_start <= given.due_on <= latest.period_end:
        raise RefusedError(
            f"klart senast {given.due_on} ligger utanför löftets period {latest.period_start}–{latest.period_end}"
        )
    promise = _working(session, acting, latest)
    number = (
        session.exec(select(func.max(PromiseActivity.number)).where(PromiseActivity.promise_id == promise.id)).one()
        or 0
    ) + 1
    activity = PromiseActivity(
        promise_id=saved_id(promise),
        number=number,
        title=given.title.strip(),
        owner_party_id=owner,
        due_on=given.due_on,
    )
    session.add(activity)
    audit(session, acting, organisation.id, "promise.activity", activity, key=f"v{promise.version}:{number}")
    return activity


def _followed(session: Session, organisation: Organisation, kommun: str | None, on: date) -> CitizenPromise:
    """The promise that is being followed up: the version in force, else the newest."""
    latest = latest_promise(session, organisation, kommun)
    for promise in promises_in_force(session, organisation, on):
        if promise.municipality_id == latest.municipality_id:
            return promise
    return latest


def follow_up_activity(session: Session, actor: Actor, given: FollowUpActivity) -> PromiseActivity:
    """An activity's status and follow-up: no new signatures needed."""
    organisation, acting = _acting(session, actor, "följa upp medborgarlöftets aktiviteter")
    no_personal_data(uppfoljning=given.follow_up)
    promise = _followed(session, organisation, given.kommun, actor.on)
    activity = session.exec(
        select(PromiseActivity).where(
            PromiseActivity.promise_id == promise.id, PromiseActivity.number == given.activity_number
        )
    ).first()
    if activity is None:
        raise NotFoundError(f"aktivitet {given.activity_number} finns inte i {promise.title}")
    before = {"status": activity.status, "follow_up": activity.follow_up}
    activity.status, activity.follow_up, activity.followed_up_on = given.status, given.follow_up, actor.on
    session.add(activity)
    audit(
        session, acting, organisation.id, "promise.follow_up", activity, key=f"{promise.title}:{activity.number}",
        before=before, after={"status": activity.status, "follow_up": activity.follow_up},
    )  # fmt: skip
    return activity


def communicate(session: Session, actor: Actor, given: CommunicatePromise) -> CitizenPromise:
    """When and how the signed promise was told to citizens."""
    organisation, acting = _acting(session, actor, "registrera hur medborgarlöftet kommunicerats")
    no_personal_data(hur=given.communicated_how)
    promise = _followed(session, organisation, given.kommun, actor.on)
    if not fully_signed(session, organisation, promise):
        raise RefusedError(f"{promise.title} (version {promise.version}) är inte undertecknat av alla parter än")
    last_signed = max(s.signed_at.date() for s in signatures_of(session, promise))
    if not last_signed <= given.communicated_on <= actor.on:
        raise RefusedError(
            f"kommunicerat den {given.communicated_on}: datumet ska ligga mellan sista underskriften ({last_signed}) "
            f"och i dag ({actor.on})"
        )
    promise.communicated_on, promise.communicated_how = given.communicated_on, given.communicated_how.strip()
    session.add(promise)
    audit(
        session, acting, organisation.id, "promise.communicated", promise, key=f"v{promise.version}",
        after={"on": promise.communicated_on, "how": promise.communicated_how},
    )  # fmt: skip
    return promise


# -- risks and facts ---------------------------------------------------------------------------------


def activity_risks(activity: PromiseActivity, on: date) -> list[str]:
    risks = [] if activity.owner_party_id else ["ingen ansvarig part"]
    if activity.due_on is not None and activity.due_on < on and activity.status not in FINISHED:
        risks.append(f"försenad (skulle vara klar {activity.due_on})")
    return risks


def promise_risks(session: Session, organisation: Organisation, promise: CitizenPromise, on: date) -> list[str]:
    """The "watered down" risk: activities without an owner or overdue, and no activity owned by the police."""
    activities = activities_of(session, promise)
    lines = [f"Aktivitet {a.number} ({a.title}): {r}" for a in activities for r in activity_risks(a, on)]
    police = police_party(session, organisation)
    live = [a for a in activities if a.status != ActivityStatus.CANCELLED]
    if police is not None and live and not any(a.owner_party_id == police.id for a in live):
        lines.append(f"Ingen aktivitet har {police.name} som ansvarig part")
    return lines


@dataclass
class PromiseState:
    """One kommun's medborgarlöfte as facts: content, signed by both parties, communicated; and its risks."""

    kommun: str
    promise: CitizenPromise
    missing_content: list[str]
    missing_parties: list[str]
    signed: bool
    communicated: bool
    risks: list[str] = field(default_factory=list)
    changed_since_signing: bool = False

    def problems(self) -> list[str]:
        lines = [f"{self.promise.title}: innehållet saknar {what}" for what in self.missing_content]
        if self.missing_parties:
            lines.append(f"{self.promise.title}: underskrift saknas från {', '.join(self.missing_parties)}")
        elif not self.signed:
            lines.append(f"{self.promise.title}: underskrifterna gäller inte den nuvarande texten")
        if not self.communicated:
            lines.append(f"{self.promise.title}: det är inte registrerat när och hur löftet kommunicerades")
        return lines


def promise_state(session: Session, cycle: Cycle, on: date) -> list[PromiseState]:
    """The medborgarlöften of the cycle's agreement: with content, signed and communicated? (for the exit
    criteria; `problems()` of each lists what is lacking, `risks` the watered-down flags)."""
    agreement = agreement_of_cycle(session, cycle)
    organisation = session.get(Organisation, cycle.organisation_id)
    if agreement is None or organisation is None:
        return []
    states = []
    for promise in latest_promises(session, agreement):
        states.append(
            PromiseState(
                party_of(session, promise.municipality_id).name,
                promise,
                missing_content(session, organisation, promise),
                list(signing_facts(session, organisation, promise).missing_parties),
                fully_signed(session, organisation, promise),
                bool(promise.communicated_on and (promise.communicated_how or "").strip()),
                promise_risks(session, organisation, promise, on),
                changed_since_signing(session, organisation, promise),
            )
        )
    return states


def promises_ok(session: Session, cycle: Cycle, on: date) -> list[str]:
    """Every problem of the cycle's promises in one list; empty when all have content, are signed and told."""
    states = promise_state(session, cycle, on)
    if not states:
        return ["inga medborgarlöften är registrerade"]
    return [line for state in states for line in state.problems()]
