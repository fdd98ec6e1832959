"""Decisions, agreements, medborgarlöften and their signatures.

An agreement is signed when every party's signatory role has signed; one signature leaves it pending.
Renewing creates a new version; the old one is kept and becomes `ersatt` when the new one is signed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import local
from samverkan.models import (
    Agreement,
    AgreementParty,
    Body,
    BodyMembership,
    CitizenPromise,
    Decision,
    Organisation,
    OrganisationLink,
    Person,
    Role,
    Signature,
)
from samverkan.models.enums import AgreementStatus, DecisionStatus
from samverkan.process.requirements import SigningFacts
from samverkan.services.access import COORDINATING, describe_holders, find_person, require_function, roles_held
from samverkan.services.actor import Actor, Proof
from samverkan.services.agreement_text import content_hash, missing_content, text_to_sign
from samverkan.services.audit import audit
from samverkan.services.deciding import check_decided_on, check_decision_kind
from samverkan.services.decision_numbers import add_numbered, decision_by_number
from samverkan.services.effective_dates import effective_day_of, held_then_and_now, require_effective_day
from samverkan.services.errors import ConflictError, NotFoundError, NotPermittedError, RefusedError
from samverkan.services.inputs import RecordDecision, RenewAgreement, RenewPromise, SignDecision, Signing
from samverkan.services.lifecycle import move
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data

Subject = Agreement | CitizenPromise
S = TypeVar("S", bound=Subject)


@dataclass(frozen=True)
class PartySigner:
    party: Organisation
    role: Role | None


@dataclass
class SigningResult:
    title: str
    status: AgreementStatus
    signed: list[str]
    missing: list[str]


def latest_agreement(session: Session, organisation: Organisation) -> Agreement | None:
    return session.exec(
        select(Agreement).where(Agreement.organisation_id == organisation.id).order_by(col(Agreement.version).desc())
    ).first()


def latest_promises(session: Session, agreement: Agreement) -> list[CitizenPromise]:
    """The newest medborgarlöfte version of each kommun under this agreement version and the earlier versions of
    the same period (a version that changed the agreement's content keeps the promises made under it)."""
    latest: dict[int, CitizenPromise] = {}
    current: Agreement | None = agreement
    while current is not None and current.period_end >= agreement.period_start:
        for promise in session.exec(
            select(CitizenPromise)
            .where(CitizenPromise.agreement_id == current.id)
            .order_by(col(CitizenPromise.municipality_id), col(CitizenPromise.version).desc())
        ).all():
            latest.setdefault(promise.municipality_id, promise)
        current = session.get(Agreement, current.previous_id) if current.previous_id else None
    return [latest[key] for key in sorted(latest)]


def _signatory_for(session: Session, organisation: Organisation, party_id: int) -> Role | None:
    return session.exec(
        select(Role)
        .where(Role.organisation_id == organisation.id, Role.party_id == party_id, Role.signatory)
        .where(col(Role.archived_at).is_(None))
        .order_by(col(Role.key))
    ).first()


def party_of(session: Session, party_id: int) -> Organisation:
    """A party (kommun, police area) that an agreement, a promise or a role refers to."""
    party = session.get(Organisation, party_id)
    if party is None:
        raise NotFoundError(f"parten med nummer {party_id} finns inte")
    return party


def signers(session: Session, organisation: Organisation, subject: Subject) -> list[PartySigner]:
    """Each party of the subject with the role that signs for it."""
    if isinstance(subject, Agreement):
        rows = session.exec(select(AgreementParty).where(AgreementParty.agreement_id == subject.id)).all()
        return [
            PartySigner(
                party_of(session, row.party_id),
                session.get(Role, row.signatory_role_id) if row.signatory_role_id else None,
            )
            for row in rows
        ]
    police_id = session.exec(
        select(OrganisationLink.member_id).where(
            OrganisationLink.organisation_id == organisation.id, OrganisationLink.relation == "polis"
        )
    ).one()
    return [
        PartySigner(party_of(session, party_id), _signatory_for(session, organisation, party_id))
        for party_id in (subject.municipality_id, police_id)
    ]


def signing_parties(
    session: Session, organisation: Organisation, person: Person, subject: Subject, on: date
) -> list[PartySigner]:
    """The parties of `subject` the person signs for on `on`: those whose signatory role they hold (the rule
    `sign` applies, asked ahead so that a page offers the button only to a signatory)."""
    held = {role.id for role in roles_held(session, organisation, person, on)}
    return [s for s in signers(session, organisation, subject) if s.role is not None and s.role.id in held]


def unsigned_parties(session: Session, subject: Subject, parties: list[PartySigner]) -> list[PartySigner]:
    """Those of `parties` that have not signed `subject` yet."""
    already = {s.party_id for s in _signatures(session, subject)}
    return [p for p in parties if p.party.id not in already]


def _signatures(session: Session, subject: Subject) -> list[Signature]:
    kind = "agreement" if isinstance(subject, Agreement) else "citizen_promise"
    return list(
        session.exec(select(Signature).where(Signature.subject_type == kind, Signature.subject_id == subject.id)).all()
    )


def signing_facts(session: Session, organisation: Organisation, subject: Subject) -> SigningFacts:
    signed_parties = {s.party_id for s in _signatures(session, subject)}
    missing = tuple(s.party.name for s in signers(session, organisation, subject) if s.party.id not in signed_parties)
    return SigningFacts(subject.title, subject.status, missing)


def _subject(session: Session, organisation: Organisation, what: str, municipality: str | None) -> Subject:
    agreement = latest_agreement(session, organisation)
    if agreement is None:
        raise NotFoundError(f"{organisation.name} har ingen samverkansöverenskommelse registrerad")
    if what == "agreement":
        return agreement
    promises = latest_promises(session, agreement)
    if municipality is None and len(promises) == 1:
        return promises[0]
    for promise in promises:
        party = session.get(Organisation, promise.municipality_id)
        if party is not None and party.key == municipality:
            return promise
    names = ", ".join(sorted(party_of(session, p.municipality_id).key for p in promises))
    raise NotFoundError(f"ange vilken kommuns medborgarlöfte som avses (--kommun): {names}")


def sign(session: Session, actor: Actor, given: Signing | None = None) -> SigningResult:
    """Sign the current agreement (what="agreement") or a kommun's medborgarlöfte (what="promise")."""
    org_key, actor_email, on, now = actor.org_key, actor.email, actor.on, actor.now
    given = given or Signing()
    organisation = find_organisation(session, org_key)
    # serialises the signers, and each signature with every edit of the same version's content
    subject = lock_subject(session, _subject(session, organisation, given.what, given.kommun))
    if subject.status == AgreementStatus.SIGNED:
        raise RefusedError(f"{subject.title} är redan undertecknad av alla parter")
    if subject.status == AgreementStatus.SUPERSEDED:
        raise RefusedError(f"{subject.title} (version {subject.version}) är ersatt av en nyare version")
    require_own_signature(actor, subject.title)
    require_effective_day(session, organisation, actor, previous=[subject])
    person = find_person(session, actor_email)
    parties = signers(session, organisation, subject)
    mine = [
        s
        for s in signing_parties(session, organisation, person, subject, on)
        if s.role is not None and held_then_and_now(session, organisation, person, [s.role], actor)
    ]
    if not mine:
        signing_roles = [s.role for s in parties if s.role is not None]
        raise NotPermittedError(
            f"{person.name} ({person.email}) kan inte skriva under {subject.title} den {on}: ingen av personens roller "
            f"undertecknar för en part. Undertecknare: {describe_holders(session, signing_roles, on)}"
        )
    already = {s.party_id: s for s in _signatures(session, subject)}
    party = next((s for s in mine if s.party.id not in already), None)
    if party is None:
        first = already[saved_id(mine[0].party)]
        who = session.get(Person, first.person_id)
        raise ConflictError(
            f"{mine[0].party.name} har redan skrivit under {subject.title} "
            f"({who.name if who else '?'}, {local(first.signed_at):%Y-%m-%d})"
        )
    _record_signature(session, subject, party, person, now, _bind(session, organisation, subject, given))
    before, facts = _settle(session, organisation, subject)
    audit(
        session,
        person.email,
        organisation.id,
        "sign",
        subject,
        on=on,
        key=party.party.key,
        before={"status": before},
        after={"status": subject.status, "party": party.party.name},
    )
    signed = [s.party.name for s in parties if s.party.name not in facts.missing_parties]
    return SigningResult(subject.title, subject.status, signed, list(facts.missing_parties))


def missing_before_signing(
    session: Session, organisation: Organisation, subject: Subject, missing: list[str] | None = None
) -> list[str]:
    """What stops anyone signing `subject`: the parts its content lacks while its text is not frozen yet (the
    first signature freezes it, and a gap could then only be filled by a new version that every party signs
    again). Empty when it may be signed. The rule `sign` applies, asked ahead so that a page shows what is missing
    instead of a signing button that can only be refused. `missing`: missing_content's answer, when the caller
    has it already."""
    if subject.content_text is not None:
        return []
    return missing if missing is not None else missing_content(session, organisation, subject)


def _bind(session: Session, organisation: Organisation, subject: Subject, given: Signing) -> str:
    """The hash of the text this signature binds. The text is frozen at the first signature, which is refused
    while the content lacks a part; a signer who read another text (the content changed, or a newer version
    exists) is refused."""
    lacking = missing_before_signing(session, organisation, subject)
    if lacking:
        raise RefusedError(
            f"{subject.title} (version {subject.version}) kan inte skrivas under förrän innehållet är komplett. "
            "Det saknas:",
            lacking,
        )
    text = text_to_sign(session, organisation, subject)
    digest = content_hash(text)
    if given.content_hash is not None and given.content_hash != digest:
        raise RefusedError(
            f"Texten till {subject.title} (version {subject.version}) har ändrats sedan du läste den. "
            "Läs den nya texten och skriv under igen."
        )
    if subject.content_text is None:
        subject.content_text = text
        session.add(subject)
    return digest


def lock_subject(session: Session, subject: S) -> S:
    """The subject again, locked for the rest of the transaction (SELECT ... FOR UPDATE; on SQLite the web app's
    writer's turn, web/state.py), and read fresh. The one lock a signature and an edit of the same version's
    content both take before they look at it: `sign` before it binds the text, each content change
    (services/agreement_content.py, services/promises.py) before it decides whether the version may still be
    changed in place. So an edit never changes a version in place that someone has just signed, and a signer never
    signs a text other than the one they read without being told."""
    model = type(subject)
    locked = session.exec(select(model).where(model.id == subject.id).with_for_update()).one()
    session.refresh(locked)
    return locked


def lock_newest(session: Session, newest: Callable[[], S | None]) -> S | None:
    """The newest version (`newest()` finds it), locked as `lock_subject` locks it and read fresh; None when there
    is none. Asked again once the lock is held: the edit that held it may have made a newer version meanwhile,
    which is then locked in its turn (versions only grow, and are locked oldest first)."""
    found = newest()
    while found is not None:
        locked = lock_subject(session, found)
        found = newest()
        if found is None or found.id == locked.id:
            return locked
    return None


def _previous(session: Session, subject: Subject) -> Subject | None:
    if subject.previous_id is None:
        return None
    if isinstance(subject, Agreement):
        return session.get(Agreement, subject.previous_id)
    return session.get(CitizenPromise, subject.previous_id)


def _record_signature(
    session: Session, subject: Subject, party: PartySigner, person: Person, now: datetime, digest: str
) -> None:
    """One party's signature; a second one for the same party collides on the unique key and is refused. No
    savepoint: on SQLite a SAVEPOINT that opens the transaction (pysqlite begins one only at an INSERT, UPDATE or
    DELETE; a second signature writes nothing before this) commits it at its RELEASE, which left the signature
    written when the rest of the transaction (the status, the audit entry) was rolled back. A collision spoils the
    transaction instead, which the refusal rolls back whole."""
    assert party.role is not None, "a party without a signatory role signs nothing"
    refusal = f"{party.party.name} har redan skrivit under {subject.title}"  # read now: nothing is read after
    signature = Signature(
        subject_type="agreement" if isinstance(subject, Agreement) else "citizen_promise",
        subject_id=saved_id(subject),
        party_id=saved_id(party.party),
        role_id=saved_id(party.role),
        person_id=saved_id(person),
        signed_at=now,
        content_hash=digest,
    )
    session.add(signature)
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError(refusal) from None


def _settle(session: Session, organisation: Organisation, subject: Subject) -> tuple[AgreementStatus, SigningFacts]:
    """After a signature: waiting for more parties, or signed by all, which supersedes the previous version."""
    facts = signing_facts(session, organisation, subject)
    after = AgreementStatus.PENDING_SIGNATURES if facts.missing_parties else AgreementStatus.SIGNED
    before = move(subject, after, subject.title)
    session.add(subject)
    if subject.status == AgreementStatus.SIGNED:
        previous = _previous(session, subject)
        if previous is not None and previous.status == AgreementStatus.SIGNED:
            move(previous, AgreementStatus.SUPERSEDED, f"{previous.title} (version {previous.version})")
            session.add(previous)
    return before, facts


def record_decision(session: Session, actor: Actor, given: RecordDecision) -> Decision:
    """Record a body's decision. Its members, its chair, or the coordinating roles (as secretaries) may."""
    org_key, actor_email, on = actor.org_key, actor.email, actor.on
    body_key, kind, title, text = given.body_key, given.kind, given.title, given.text
    decided_on, diarienummer = given.decided_on, given.diarienummer
    organisation = find_organisation(session, org_key)
    body = session.exec(select(Body).where(Body.organisation_id == organisation.id, Body.key == body_key)).first()
    if body is None:
        known = ", ".join(session.exec(select(Body.key).where(Body.organisation_id == organisation.id)).all())
        raise NotFoundError(f"organet '{body_key}' finns inte i {organisation.name} (finns: {known})")
    if not title.strip() or not text.strip():
        raise RefusedError("ett beslut behöver både rubrik och beslutstext")
    check_decided_on(decided_on or on, on)
    check_decision_kind(body, kind)
    no_personal_data(rubrik=title, beslutstext=text)
    member_ids = set(session.exec(select(BodyMembership.role_id).where(BodyMembership.body_id == body.id)).all())
    member_ids |= {r for r in (body.chair_role_id, body.convener_role_id) if r}
    person = find_person(session, actor_email)
    seats = list(session.exec(select(Role).where(col(Role.id).in_(member_ids))).all()) if member_ids else []
    if held_then_and_now(session, organisation, person, seats, actor):
        require_effective_day(session, organisation, actor)
    else:
        require_function(session, organisation, actor, COORDINATING, f"protokollföra beslut i {body.name}")
    decision = Decision(
        organisation_id=saved_id(organisation),
        body_id=body.id,
        kind=kind,
        decided_on=decided_on or on,
        title=title.strip(),
        text=text.strip(),
        diarienummer=diarienummer,
        status=DecisionStatus.ADOPTED,
        recorded_by_person_id=person.id,
    )
    decision = add_numbered(session, decision)
    audit(
        session,
        person.email,
        organisation.id,
        "decision.record",
        decision,
        key=body.key,
        after={"number": decision.number, "title": decision.title, "kind": kind, "decided_on": decision.decided_on},
    )
    return decision


def renew_agreement(session: Session, actor: Actor, given: RenewAgreement) -> Agreement:
    """A new version of the agreement with the same parties; the signed one stays until the new is signed."""
    org_key, starts_on, ends_on = actor.org_key, given.starts_on, given.ends_on
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "förnya överenskommelsen")
    # locked as an edit locks it: two renewals at once (or a renewal beside an edit) decide one after the other
    current = lock_newest(session, lambda: latest_agreement(session, organisation))
    if current is None:
        raise NotFoundError(f"{organisation.name} har ingen överenskommelse att förnya")
    if current.status != AgreementStatus.SIGNED:
        raise RefusedError(f"version {current.version} är inte undertecknad än; förnya först när den är det")
    if ends_on <= starts_on:
        raise RefusedError(f"perioden slutar ({ends_on}) innan den börjar ({starts_on})")
    if starts_on <= current.period_end:
        raise RefusedError(
            f"den nya perioden ({starts_on}–{ends_on}) överlappar version {current.version} "
            f"({current.period_start}–{current.period_end}); en förnyelse börjar efter {current.period_end}"
        )
    renewed = Agreement(
        organisation_id=saved_id(organisation),
        version=current.version + 1,
        previous_id=current.id,
        title=current.title,
        period_start=starts_on,
        period_end=ends_on,
        citizen_promise_years=current.citizen_promise_years,
        problems=current.problems,
        goals=current.goals,
        documentation=current.documentation,
        follow_up=current.follow_up,
    )
    session.add(renewed)
    session.flush()
    for party in session.exec(select(AgreementParty).where(AgreementParty.agreement_id == current.id)).all():
        session.add(
            AgreementParty(
                agreement_id=saved_id(renewed),
                party_id=party.party_id,
                signatory_role_id=party.signatory_role_id,
            )
        )
    for promise in latest_promises(session, current):
        session.add(_promise_for(renewed, promise.municipality_id, _base_title(promise.title), starts_on))
    audit(
        session,
        acting,
        organisation.id,
        "agreement.renew",
        renewed,
        key=f"v{renewed.version}",
        before={"version": current.version},
        after={"version": renewed.version, "from": starts_on, "to": ends_on},
    )
    return renewed


def _base_title(title: str) -> str:
    """'Medborgarlöfte Lycksele kommun 2027' → 'Medborgarlöfte Lycksele kommun'."""
    return re.sub(r"\s+\d{4}$", "", title)


def _promise_for(
    agreement: Agreement, municipality_id: int, title: str, starts_on: date, previous: CitizenPromise | None = None
) -> CitizenPromise:
    """The next promise from `starts_on`; it never outlasts the agreement it belongs to."""
    ends_on = starts_on + relativedelta(years=agreement.citizen_promise_years) - timedelta(days=1)
    return CitizenPromise(
        agreement_id=saved_id(agreement),
        municipality_id=municipality_id,
        version=previous.version + 1 if previous else 1,
        previous_id=previous.id if previous else None,
        title=f"{title} {starts_on.year}",
        text=previous.text if previous else None,
        period_start=starts_on,
        period_end=min(ends_on, agreement.period_end),
    )


def renew_promise(session: Session, actor: Actor, given: RenewPromise) -> CitizenPromise:
    """The next medborgarlöfte for a kommun (usually yearly); the old version is kept."""
    org_key = actor.org_key
    municipality, starts_on = given.kommun, given.starts_on
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "förnya medborgarlöftet")
    current = lock_newest(session, lambda: _subject(session, organisation, "promise", municipality))
    assert isinstance(current, CitizenPromise)
    if current.status != AgreementStatus.SIGNED:
        raise RefusedError(f"{current.title} är inte undertecknat än; förnya först när det är det")
    agreement = latest_agreement(session, organisation)
    assert agreement is not None
    if starts_on <= current.period_end or starts_on > agreement.period_end:
        raise RefusedError(
            f"ett nytt medborgarlöfte från {starts_on} måste börja efter det nuvarande ({current.period_end}) "
            f"och inom överenskommelsens period ({agreement.period_start}–{agreement.period_end})"
        )
    renewed = _promise_for(agreement, current.municipality_id, _base_title(current.title), starts_on, current)
    session.add(renewed)
    audit(
        session,
        acting,
        organisation.id,
        "promise.renew",
        renewed,
        key=str(current.municipality_id),
        before={"version": current.version},
        after={"version": renewed.version, "from": starts_on},
    )
    return renewed


@dataclass
class DecisionView:
    id: int
    number: int | None
    body: str | None
    kind: str
    decided_on: str
    title: str
    text: str
    diarienummer: str | None
    recorded_by: str | None
    signatories: list[str]


def require_own_signature(actor: Actor, what: str) -> None:
    """A signature is the signer's own act: a local administrator acting --as someone cannot sign for them."""
    if actor.proof is Proof.OPERATOR:
        raise NotPermittedError(
            f"{what} kan bara skrivas under av undertecknaren själv: logga in i webben eller använd din egen "
            "API-nyckel (--nyckel eller SAMVERKAN_API_KEY); en lokal administratör kan inte skriva under åt någon"
        )


def _decision(session: Session, organisation: Organisation, number: int) -> Decision:
    """A decision by the number it is shown with ("Beslut nr N"), within the organisation."""
    return decision_by_number(session, organisation, number)


def justering_role(session: Session, decision: Decision) -> tuple[Body | None, Role | None]:
    """The deciding body and its chair role: the one who justerar the decision."""
    body = session.get(Body, decision.body_id) if decision.body_id else None
    chair = session.get(Role, body.chair_role_id) if body and body.chair_role_id else None
    return body, chair


def sign_decision(session: Session, actor: Actor, given: SignDecision) -> DecisionView:
    """Justering: the chair of the deciding body signs the recorded decision."""
    org_key, actor_email, on, now, decision_id = actor.org_key, actor.email, actor.on, actor.now, given.decision_id
    organisation = find_organisation(session, org_key)
    decision = _decision(session, organisation, decision_id)
    body, chair = justering_role(session, decision)
    if chair is None:
        raise RefusedError(f"beslut nr {decision_id} har inget organ med ordförande som kan justera det")
    require_own_signature(actor, f"beslut nr {decision_id}")
    require_effective_day(session, organisation, actor, previous=[decision])
    if on < decision.decided_on:
        raise RefusedError(f"beslut nr {decision_id} fattades {decision.decided_on}; det kan inte justeras {on}")
    person = find_person(session, actor_email)
    if not held_then_and_now(session, organisation, person, [chair], actor):
        raise NotPermittedError(
            f"{person.name} ({person.email}) kan inte justera beslut nr {decision_id}: det gör ordföranden i "
            f"{body.name if body else '?'} ({describe_holders(session, [chair], on)})"
        )
    signature = Signature(
        subject_type="decision",
        subject_id=saved_id(decision),
        party_id=chair.party_id or saved_id(organisation),
        role_id=saved_id(chair),
        person_id=saved_id(person),
        signed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(signature)
    except IntegrityError:
        raise ConflictError(f"beslut nr {decision_id} är redan justerat") from None
    audit(
        session,
        person.email,
        organisation.id,
        "decision.sign",
        decision,
        on=on,
        key=str(decision_id),
        after={"signed_by": person.email, "role": chair.key},
    )
    return decision_view(session, org_key, decision_id)


def decision_view(session: Session, org_key: str, decision_id: int) -> DecisionView:
    """The decision numbered `decision_id` ("Beslut nr N") in the organisation."""
    organisation = find_organisation(session, org_key)
    decision = _decision(session, organisation, decision_id)
    body = session.get(Body, decision.body_id) if decision.body_id else None
    recorder = session.get(Person, decision.recorded_by_person_id) if decision.recorded_by_person_id else None
    signed = []
    for signature in session.exec(
        select(Signature).where(Signature.subject_type == "decision", Signature.subject_id == decision.id)
    ).all():
        who, role = session.get(Person, signature.person_id), session.get(Role, signature.role_id)
        when = effective_day_of(session, decision, "decision.sign") or local(signature.signed_at).date()
        signed.append(f"{who.name if who else '?'} ({role.name if role else '?'}, {when})")
    return DecisionView(
        saved_id(decision),
        decision.number,
        body.name if body else None,
        decision.kind,
        decision.decided_on.isoformat(),
        decision.title,
        decision.text,
        decision.diarienummer,
        recorder.name if recorder else None,
        signed,
    )
