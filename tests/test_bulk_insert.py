"""database/bulk.py stores what `insert(table)` stores: the same values read back, column by column, for the
outbox and the occurrence records a sweep writes (on PostgreSQL through COPY, elsewhere through executemany)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.timeutil import STOCKHOLM
from samverkan.database.bulk import bulk_insert
from samverkan.models import Notification, Organisation, TriggerOccurrence
from samverkan.models.base import table_of
from samverkan.models.enums import NotificationStatus, OrgKind


def notifications(org_id: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "idempotency_key": f"{prefix}:{n}",
            "organisation_id": org_id,
            "kind": "kallelse",
            "person_id": None,
            "body_id": None,
            "role_key": "samordnare" if n else None,
            "subject": "Kallelse: EST-möte – 'citat' och \\ och \t tab",
            "body_text": f"Hej,\n\nRad två åäö {n}\n\\N inte NULL\r\n",
            "attachments": ["/data/beslutsunderlag å.pdf", 'med "citat"'] if n else [],
            "related_type": "cadence",
            "related_id": n or None,
            "due_on": date(2027, 3, 9) if n else None,
            "status": NotificationStatus.PENDING,
            "not_before": datetime(2027, 3, 2, 8, 0, 0, 123456, tzinfo=STOCKHOLM),
            "urgent": bool(n % 2),
            "attempts": 0,
            "delivered_routes": [],
            "created_at": datetime(2027, 3, 2, 5, 0, tzinfo=UTC),
        }
        for n in range(3)
    ]


def occurrences(org_id: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "organisation_id": org_id,
            "trigger_key": "est",
            "occurrence_key": f"{prefix}:2027-03-09:{n}",
            "scheduled_for": datetime(2027, 3, 2, tzinfo=STOCKHOLM),
            "fired_at": datetime(2027, 3, 2, 6, 0, tzinfo=STOCKHOLM),
            "result": {"kind": "est_meeting", "recipients": n, "invitation": {"attendees": [[1, "å"]]}},
        }
        for n in range(2)
    ]


def test_bulk_insert_stores_what_insert_stores(engine: Engine) -> None:
    with Session(engine) as session:
        org = Organisation(key="bulk", name="Bulk kommun", kind=OrgKind.KOMMUN)
        session.add(org)
        session.commit()
        assert org.id is not None
        org_id = org.id
    for model, rows in ((Notification, notifications), (TriggerOccurrence, occurrences)):
        table = table_of(model)
        key = "idempotency_key" if model is Notification else "occurrence_key"
        with engine.begin() as connection:
            connection.execute(insert(table), rows(org_id, "core"))
            columns = tuple(rows(org_id, "")[0])
            bulk = bulk_insert(table, columns, connection.dialect)
            converted = [tuple(bulk.convert(c, row[c]) for c in columns) for row in rows(org_id, "bulk")]
            bulk.execute(connection, converted)
        with engine.connect() as connection:
            stored = [row._asdict() for row in connection.execute(select(table).order_by(table.c.id))]
        core = [row for row in stored if row[key].startswith("core:")]
        made = [row for row in stored if row[key].startswith("bulk:")]
        assert len(core) == len(made) == len(rows(org_id, ""))
        for ours, theirs in zip(made, core, strict=True):
            for column, value in theirs.items():
                if column == key:
                    assert ours[column].removeprefix("bulk:") == value.removeprefix("core:")
                elif column != "id":
                    assert ours[column] == value, column
        if model is Notification:  # the values themselves, not only alike: aware UTC, the list as written
            assert made[1]["not_before"] == datetime(2027, 3, 2, 7, 0, 0, 123456, tzinfo=UTC)
            assert made[1]["attachments"] == ["/data/beslutsunderlag å.pdf", 'med "citat"']
            assert made[1]["body_text"] == "Hej,\n\nRad två åäö 1\n\\N inte NULL\r\n"
