"""Decisions and signatures: the register, recording a decision, justering, signing the agreement or a löfte."""

from __future__ import annotations

from samverkan.services import agreements
from samverkan.services.agreements import SigningResult
from samverkan.services.deciding import EARLIEST_DECISION
from samverkan.services.decision_register import decision_register
from samverkan.services.inputs import ConfirmedSigning, RecordDecision, SignDecision
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> dict[str, object]:
    register = decision_register(visit.session, visit.member.organisation, visit.viewer.person, visit.today)
    return {**register, "earliest_decision": EARLIEST_DECISION}


def _signed(result: SigningResult, _given: ConfirmedSigning) -> str:
    if result.missing:
        return f"Du har skrivit under {result.title}. Den väntar på underskrift från: {', '.join(result.missing)}."
    return f"{result.title} är nu undertecknad av alla parter."


router = page_router()
page = Page(router, "/org/{key}/beslut", "decisions.html.j2", _read)
page.action(
    "/org/{key}/beslut", RecordDecision, agreements.record_decision, "Beslut nr {result.number} är protokollfört."
)
page.action(
    "/org/{key}/beslut/{decision_id}/justera",
    SignDecision,
    agreements.sign_decision,
    "Beslut nr {result.number} är justerat.",
)
page.action("/org/{key}/underskrift", ConfirmedSigning, agreements.sign, _signed)  # after reading the text
