"""The decisions page's content: the agreement and medborgarlöften with their signatures, recent decisions and
the bodies that decide."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from samverkan.models import Agreement, CitizenPromise, Decision, Organisation
from samverkan.services import agreements
from samverkan.services.bodies import active_bodies


def _subjects(session: Session, organisation: Organisation) -> list[dict[str, Any]]:
    agreement = agreements.latest_agreement(session, organisation)
    if agreement is None:
        return []
    subjects = []
    listed: list[tuple[str, Agreement | CitizenPromise]] = [("agreement", agreement)]
    listed += [("promise", p) for p in agreements.latest_promises(session, agreement)]
    for ref, subject in listed:
        facts = agreements.signing_facts(session, organisation, subject)
        municipality = (
            session.get(Organisation, subject.municipality_id) if isinstance(subject, CitizenPromise) else None
        )
        parties = agreements.signers(session, organisation, subject)
        subjects.append(
            {
                "ref": ref,
                "kommun": municipality.key if municipality else "",
                "title": subject.title,
                "status": subject.status,
                "missing": facts.missing_parties,
                "signed": [s.party.name for s in parties if s.party.name not in facts.missing_parties],
                "version": subject.version,
            }
        )
    return subjects


def decision_register(session: Session, organisation: Organisation) -> dict[str, Any]:
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
        "subjects": _subjects(session, organisation),
        "decisions": decisions,
        "bodies": active_bodies(session, organisation),
    }
