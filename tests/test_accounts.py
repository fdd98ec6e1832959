"""Accounts in the service layer: what an invitation says."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from samverkan.database import session_scope
from samverkan.models import Notification
from samverkan.services import accounts
from samverkan.services.actor import Actor
from samverkan.services.inputs import Invite
from tests.drive import SAMORDNARE
from tests.live import KOMMUNIKATOR
from tests.test_delivery import fagersta


def test_invitation_states_its_last_day_in_stockholm_time(engine: Engine) -> None:
    fagersta(engine)
    late_evening = datetime(2027, 1, 11, 23, 30, tzinfo=UTC)  # already 12 January in Stockholm
    with session_scope(engine) as session:
        maria = Actor("fagersta", SAMORDNARE, date(2027, 1, 12), late_evening)
        invitation = accounts.invite(session, maria, Invite(email=KOMMUNIKATOR))
        body = session.get_one(Notification, invitation.notification_id).body_text
    assert "till och med 2027-01-19):" in body
