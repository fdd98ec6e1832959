"""The agreement's and the medborgarlöftenas content in a beslutsunderlag: the version in force on the meeting day
(never the newest draft), the proposal waiting for signatures (its content in the agreement packet, whose decision
is to sign it), and each promise's activities with the watered-down risk flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from samverkan.core.labels import label
from samverkan.models import Agreement, CitizenPromise, Organisation, Person, Role
from samverkan.services.agreement_content import agreement_in_force, fully_signed, promises_in_force, signatures_of
from samverkan.services.agreement_text import AgreementContent, activities_of, agreement_content
from samverkan.services.agreements import Subject, latest_agreement, latest_promises, party_of, signing_facts
from samverkan.services.promises import activity_risks, promise_risks


def signed_by(session: Session, subject: Subject) -> list[str]:
    """'Fagersta kommun: Karin Testström (Kommunstyrelsens ordförande) 2027-01-11' for each signature."""
    lines = []
    for signature in signatures_of(session, subject):
        person, role = session.get(Person, signature.person_id), session.get(Role, signature.role_id)
        party = party_of(session, signature.party_id)
        who = f"{person.name if person else '?'} ({role.name if role else '?'})"
        lines.append(f"{party.name}: {who} {signature.signed_at:%Y-%m-%d}")
    return lines


@dataclass
class Proposal:
    version: int
    status: str
    period: str
    missing_parties: list[str]
    missing_content: list[str]


@dataclass
class PromiseBlock:
    kommun: str
    promise: CitizenPromise
    in_force: bool
    signed_by: list[str]
    activities: list[dict[str, Any]]
    risks: list[str]
    newer: str | None = None  # "version 2 (utkast) är ett förslag"


@dataclass
class AgreementPacket:
    day: date
    in_force: Agreement | None
    in_force_signed_by: list[str]
    proposal: Proposal | None
    shown: AgreementContent | None  # the content the packet lays out: the proposal's in the agreement packet
    shown_is_proposal: bool
    promises: list[PromiseBlock] = field(default_factory=list)


def _proposal(session: Session, organisation: Organisation, latest: Agreement | None, in_force: Agreement | None) -> (
    Proposal | None
):  # fmt: skip
    if latest is None or (in_force is not None and latest.id == in_force.id):
        return None
    if fully_signed(session, organisation, latest):
        return None  # signed, its period not yet begun: not a proposal
    return Proposal(
        latest.version,
        label(latest.status),
        f"{latest.period_start}–{latest.period_end}",
        list(signing_facts(session, organisation, latest).missing_parties),
        agreement_content(session, latest).missing(),
    )


def _promise_blocks(
    session: Session, organisation: Organisation, agreement: Agreement, day: date
) -> list[PromiseBlock]:
    in_force = {p.municipality_id: p for p in promises_in_force(session, organisation, day)}
    blocks = []
    for latest in latest_promises(session, agreement):
        shown = in_force.get(latest.municipality_id, latest)
        rows = []
        for activity in activities_of(session, shown):
            owner = party_of(session, activity.owner_party_id) if activity.owner_party_id else None
            rows.append({"a": activity, "owner": owner.name if owner else None, "risks": activity_risks(activity, day)})
        newer = f"version {latest.version} ({label(latest.status)}) är ett förslag" if shown.id != latest.id else None
        blocks.append(
            PromiseBlock(
                party_of(session, latest.municipality_id).name, shown, shown.id in {p.id for p in in_force.values()},
                signed_by(session, shown), rows, promise_risks(session, organisation, shown, day), newer,
            )
        )  # fmt: skip
    return blocks


def packet_agreement(session: Session, organisation: Organisation, kind: str, day: date) -> AgreementPacket:
    """What the packet of `kind` shows of the agreement and the promises on the meeting day."""
    in_force = agreement_in_force(session, organisation, day)
    latest = latest_agreement(session, organisation)
    proposal = _proposal(session, organisation, latest, in_force)
    show_proposal = kind == "agreement" and proposal is not None and latest is not None
    shown_version = latest if show_proposal else in_force
    line = in_force or latest
    return AgreementPacket(
        day,
        in_force,
        signed_by(session, in_force) if in_force else [],
        proposal,
        agreement_content(session, shown_version) if shown_version else None,
        show_proposal,
        _promise_blocks(session, organisation, line, day) if line else [],
    )
