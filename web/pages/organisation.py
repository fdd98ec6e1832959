"""An organisation's overview page, handing over a role and inviting a person."""

from __future__ import annotations

from fastapi import Request

from samverkan.services import accounts
from samverkan.services.accounts import Invitation
from samverkan.services.handover import handover
from samverkan.services.inputs import Handover, Invite
from samverkan.services.overview import organisation_overview
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> dict[str, object]:
    return {"org": organisation_overview(visit.session, visit.key, visit.today)}


def _deliver_soon(request: Request, invitation: Invitation) -> None:
    request.app.state.deliver_soon(invitation.notification_id)


router = page_router()
page = Page(router, "/org/{key}", "organisation.html.j2", _read)
page.action(
    "/org/{key}/overlamning", Handover, handover, "Rollen lämnas över till {given.to_email} från {result.starts_on}."
)
invited = "Inbjudan till {result.person.name} ligger i utkorgen och skickas nu."
page.action("/org/{key}/bjud-in", Invite, accounts.invite, invited, committed=_deliver_soon)
