"""The decisions page's content: the agreement and medborgarlöften with their signatures, recent decisions and
the bodies that decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.timeutil import today_local
from samverkan.models import Agreement, CitizenPromise, Decision, Organisation, Person
from samverkan.models.enums import AgreementStatus
from samverkan.services import agreements
from samverkan.services.access import roles_held
from samverkan.services.bodies import active_bodies

OPEN = (AgreementStatus.DRAFT, AgreementStatus.PENDING_SIGNATURES)


def _subjects(session: Session, organisation: Organisation, person: Person | None, on: date) -> list[dict[str, Any]]:
    agreement = agreements.latest_agreement(session, organisation)
    if agreement is None:
        return []
    subjects = []
    listed: list[tuple[str, Agreement | CitizenPromise]] = [("agreement", agreement)]
    listed += [("promise", p) for p in agreements.latest_promises(session, agreement)]
    for ref, subject in listed:  # "sign_for": the parties `person` may still sign for (none: no button)
        facts = agreements.signing_facts(session, organisation, subject)
        municipality = (
            session.get(Organisation, subject.municipality_id) if isinstance(subject, CitizenPromise) else None
        )
        parties = agreements.signers(session, organisation, subject)
        mine = agreements.signing_parties(session, organisation, person, subject, on) if person else []
        subjects.append(
            {
                "ref": ref,
                "kommun": municipality.key if municipality else "",
                "title": subject.title,
                "status": subject.status,
                "missing": facts.missing_parties,
                "signed": [s.party.name for s in parties if s.party.name not in facts.missing_parties],
                "version": subject.version,
                "who_signs": [
                    f"{p.role.name} skriver under för {p.party.name}"
                    if p.role
                    else f"{p.party.name} saknar undertecknare"
                    for p in parties
                ],
                "sign_for": [p.party.name for p in agreements.unsigned_parties(session, subject, mine)]
                if subject.status in OPEN and not agreements.missing_before_signing(session, organisation, subject)
                else [],
            }
        )
    return subjects


def _justering(session: Session, organisation: Organisation, person: Person | None, on: date) -> dict[int, Any]:
    """For each decision: who justerar it (text) and whether `person` may (they hold the chair role on `on`)."""
    held = {r.id for r in roles_held(session, organisation, person, on)} if person else set()
    answer = {}
    for decision in session.exec(select(Decision).where(Decision.organisation_id == organisation.id)).all():
        body, chair = agreements.justering_role(session, decision)
        who = f"{chair.name} i {body.name} justerar" if chair and body else "Inget organ med ordförande kan justera"
        answer[decision.id or 0] = {"who": who, "may": chair is not None and chair.id in held}
    return answer


def decision_register(
    session: Session, organisation: Organisation, person: Person | None = None, on: date | None = None
) -> dict[str, Any]:
    """With `person` and `on`, what that person may do here: sign for a party, justera a decision."""
    day = on or today_local()
    decisions = [
        agreements.decision_view(session, organisation.key, d.number)  # type: ignore[arg-type]
        for d in session.exec(
            select(Decision)
            .where(Decision.organisation_id == organisation.id)
            .order_by(col(Decision.number).desc())
            .limit(30)
        ).all()
    ]
    return {
        "justering": _justering(session, organisation, person, day),
        "subjects": _subjects(session, organisation, person, day),
        "decisions": decisions,
        "bodies": active_bodies(session, organisation),
    }
