"""`samverkan notify test`: a test message to a role's current holders, sent at once, reported per recipient."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import utcnow
from samverkan.database import session_scope
from samverkan.models import Notification, Role
from samverkan.notifications.delivery import DeliveryReport, deliver_pending
from samverkan.roles.address import greeting
from samverkan.services.access import holders
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.overview import find_organisation


def send_test(engine: Engine, org_key: str, role_key: str, on: date, now: datetime | None = None) -> DeliveryReport:
    now = now or utcnow()
    with session_scope(engine) as session:
        org = find_organisation(session, org_key)
        role = session.exec(select(Role).where(Role.organisation_id == org.id, Role.key == role_key)).first()
        if role is None:
            raise NotFoundError(f"rollen '{role_key}' finns inte i {org.name}")
        people = holders(session, role, on)
        if not people:
            raise RefusedError(f"rollen {role.name} i {org.name} har ingen innehavare den {on}")
        rows = []
        for person in people:
            notification = Notification(
                idempotency_key=f"{org.key}:test:{role.key}:{person.id}:{now.isoformat()}",
                organisation_id=saved_id(org),
                kind="test",
                person_id=person.id,
                role_key=role.key,
                urgent=True,
                subject=f"Test från Samverkan – {role.name}",
                body_text=(
                    f"{greeting(session, role, org.name)},\n\nDetta är ett testmeddelande från Samverkan. "
                    "Det visar att kontaktvägen fungerar; du behöver inte göra något."
                ),
                not_before=now,
                created_at=now,
            )
            session.add(notification)
            rows.append(notification)
        session.flush()
        ids = [saved_id(n) for n in rows]
    return deliver_pending(engine, now, only_ids=ids)
