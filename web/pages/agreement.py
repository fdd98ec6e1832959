"""The samverkansöverenskommelse's content, its versions and signing it after reading the text; the
medborgarlöften with their activities, follow-up and communication."""

from __future__ import annotations

from collections.abc import Mapping

from samverkan.models.enums import ActivityStatus
from samverkan.services import agreement_content, agreements, promises
from samverkan.services.agreement_view import agreement_page, promises_page
from samverkan.services.agreements import SigningResult
from samverkan.services.inputs import (
    AddActivity,
    AddGoal,
    AgreementTerms,
    CommunicatePromise,
    ConfirmedSigning,
    CoverProblem,
    FollowUpActivity,
    PromiseText,
    RemoveGoal,
)
from samverkan.web.forms import Page, Visit, page_router


def _read_agreement(visit: Visit) -> Mapping[str, object]:
    return agreement_page(visit.session, visit.member.organisation, visit.viewer.person, visit.today)


def _read_promises(visit: Visit) -> Mapping[str, object]:
    page = promises_page(visit.session, visit.member.organisation, visit.viewer.person, visit.today)
    return {**page, "statuses": list(ActivityStatus)}


def _signed(result: SigningResult, _given: ConfirmedSigning) -> str:
    if result.missing:
        return f"Du har skrivit under {result.title}. Underskrift saknas från: {', '.join(result.missing)}."
    return f"{result.title} är nu undertecknad av alla parter."


def _version(result: object, _given: object) -> str:
    version = getattr(result, "version", None)
    return f"Ändringen är sparad i version {version}." if version else "Ändringen är sparad."


router = page_router()
agreement = Page(router, "/org/{key}/overenskommelse", "agreement.html.j2", _read_agreement)
agreement.action("/org/{key}/overenskommelse/villkor", AgreementTerms, agreement_content.set_terms, _version)
agreement.action("/org/{key}/overenskommelse/problem", CoverProblem, agreement_content.cover_problem, _version)
agreement.action(
    "/org/{key}/overenskommelse/mal", AddGoal, agreement_content.add_goal, "Mål {result.number} är tillagt."
)
agreement.action("/org/{key}/overenskommelse/mal/ta-bort", RemoveGoal, agreement_content.remove_goal, _version)
agreement.action("/org/{key}/overenskommelse/underskrift", ConfirmedSigning, agreements.sign, _signed)

promise = Page(router, "/org/{key}/medborgarloften", "promises.html.j2", _read_promises)
promise.action("/org/{key}/medborgarloften/text", PromiseText, promises.set_promise_text, _version)
promise.action(
    "/org/{key}/medborgarloften/aktivitet", AddActivity, promises.add_activity, "Aktivitet {result.number} är tillagd."
)
promise.action(
    "/org/{key}/medborgarloften/uppfoljning",
    FollowUpActivity,
    promises.follow_up_activity,
    "Uppföljningen av aktivitet {result.number} är sparad.",
)
promise.action(
    "/org/{key}/medborgarloften/kommunicerat",
    CommunicatePromise,
    promises.communicate,
    "Det är registrerat att {result.title} kommunicerades {result.communicated_on}.",
)
promise.action("/org/{key}/medborgarloften/underskrift", ConfirmedSigning, agreements.sign, _signed)
