"""Completing an item ("markera klar") in a fixed, small number of SQL statements (issue 19), with all it did
before: the item done with its evidence and audit entry, its pending reminders stopped (a reminder about another
item left alone), and the refusals (a missing decision, another person's item, CSRF) still refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import utcnow
from samverkan.database import session_scope
from samverkan.models import AuditEntry, ChecklistItem, Evidence, Notification, Organisation, Phase
from samverkan.models.enums import EvidenceKind, ItemStatus, NotificationStatus, PhaseStatus, Related
from tests.counting import Counter
from tests.drive import SAMORDNARE
from tests.live import KSO, Live, fagersta_for_web, live_server

# The session cookie's person; membership (the viewer's roles today, with their organisations); the item with its phase
# locked, its cycle, the bounds on the effective day and the acting person's roles and assignments; the guarded
# update, which also counts the phase's other open items; the evidence; the audit entry; the stopped reminders.
POST_STATEMENTS = 7  # 17 on the same request before (issue 19), 8 before membership was one statement
DECISION_READ = 1  # a cited decision with its body


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def _open_items(engine: Engine, owner: str, kind: EvidenceKind) -> list[int]:
    """The running phase's open items that `owner` completes with evidence of `kind`, two more added so that
    there are always at least two."""
    with session_scope(engine) as session:
        phase = session.exec(select(Phase).where(Phase.status == PhaseStatus.ACTIVE)).one()
        for n in range(2):
            session.add(
                ChecklistItem(
                    phase_id=saved_id(phase),
                    key=f"prov-{kind}-{n}",
                    title=f"Provpunkt {kind} {n}",
                    owner_role_key=owner,
                    evidence_kind=kind,
                    status=ItemStatus.OPEN,
                )
            )
        session.flush()
        return list(
            session.exec(
                select(ChecklistItem.id)
                .where(ChecklistItem.phase_id == phase.id, ChecklistItem.status == ItemStatus.OPEN)
                .where(ChecklistItem.owner_role_key == owner, ChecklistItem.evidence_kind == kind)
                .order_by(col(ChecklistItem.id))
            ).all()
        )


def _reminder(engine: Engine, item_id: int, key: str) -> int:
    """A pending reminder about the item in the outbox."""
    with session_scope(engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        row = Notification(
            idempotency_key=key,
            organisation_id=saved_id(organisation),
            kind="paminnelse",
            subject="Påminnelse",
            body_text="Punkten ska vara klar.",
            related_type=Related.ITEM,
            related_id=item_id,
            due_on=(utcnow() + timedelta(days=7)).date(),
            not_before=utcnow() + timedelta(days=1),
        )
        session.add(row)
        session.flush()
        return saved_id(row)


def test_completing_an_item_takes_a_fixed_small_number_of_statements(live: Live, counter: Counter) -> None:
    client = live.login(SAMORDNARE)
    first, second = _open_items(live.engine, "samordnare", EvidenceKind.DOCUMENT)[:2]
    stopped, kept = _reminder(live.engine, first, "prov-1"), _reminder(live.engine, second, "prov-2")
    counts = []
    for item_id in (first, second):
        counter.take()
        answer = client.post(
            f"/org/fagersta/punkt/{item_id}",
            data={"csrf_token": client.csrf, "title": "Protokoll", "uri": "dnr KS 2027/1"},  # type: ignore[attr-defined]
        )
        counts.append(counter.take())
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/org/fagersta/cykel"
        if item_id == first:  # the second completion's reminder is stopped by it, so look before it
            with session_scope(live.engine) as session:
                assert session.get(Notification, kept).status == NotificationStatus.PENDING  # type: ignore[union-attr]
    assert counts == [POST_STATEMENTS, POST_STATEMENTS], counts
    assert "är klar" in client.get("/org/fagersta/cykel").text  # the notice
    with session_scope(live.engine) as session:
        item = session.get(ChecklistItem, first)
        assert item is not None and item.status == ItemStatus.DONE and item.version == 2
        assert item.completed_by_person_id is not None and item.completed_at is not None
        evidence = session.exec(select(Evidence).where(Evidence.checklist_item_id == first)).one()
        assert (evidence.title, evidence.uri, evidence.kind) == ("Protokoll", "dnr KS 2027/1", EvidenceKind.DOCUMENT)
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "checklist_item", AuditEntry.entity_id == first)
            .where(AuditEntry.action == "item.complete")
        ).one()
        after = {"status": "klar", "evidence": "Protokoll", "role": "samordnare"}
        assert (entry.actor, entry.after) == (SAMORDNARE, after)
        reminder = session.get(Notification, stopped)
        assert reminder is not None and reminder.status == NotificationStatus.CANCELLED
        assert reminder.last_error == "stoppad: punkten är klar"


def test_completing_with_a_decision_reads_the_decision_once(live: Live, counter: Counter) -> None:
    """A cited decision is read with its body in one statement; a decision that is not there is refused with the
    page shown again, and nothing is written."""
    from samverkan.core.timeutil import today_local
    from samverkan.models import Body
    from samverkan.process.snapshot import definition_from_snapshot
    from samverkan.services.actor import Actor
    from samverkan.services.agreements import record_decision
    from samverkan.services.inputs import RecordDecision
    from samverkan.services.substance import active_cycle

    client = live.login(SAMORDNARE)
    items = _open_items(live.engine, "samordnare", EvidenceKind.DECISION)
    with session_scope(live.engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        cycle = active_cycle(session, organisation)
        phase = session.exec(select(Phase).where(Phase.status == PhaseStatus.ACTIVE)).one()
        named = definition_from_snapshot(cycle.definition_snapshot).find_phase(phase.key).decided_by
        bodies = session.exec(select(Body).where(Body.organisation_id == organisation.id)).all()
        body = next(b for b in bodies if named is None or b.kind == named)
        actor = Actor("fagersta", SAMORDNARE, today_local())
        decision = record_decision(session, actor, RecordDecision(body_key=body.key, title="Beslut", text="Beslutat."))
    for number, status in ((decision.number + 1, 422), (decision.number, 303)):
        counter.take()
        answer = client.post(
            f"/org/fagersta/punkt/{items[0]}",
            data={"csrf_token": client.csrf, "title": "Beslut", "decision_id": str(number)},  # type: ignore[attr-defined]
            follow_redirects=False,
        )
        count = counter.take()
        assert answer.status_code == status, answer.text
        if status == 422:
            assert f"beslut nr {number} finns inte där" in answer.text
            with session_scope(live.engine) as session:
                assert session.get(ChecklistItem, items[0]).status == ItemStatus.OPEN  # type: ignore[union-attr]
                assert session.exec(select(Evidence).where(Evidence.checklist_item_id == items[0])).first() is None
    assert count == POST_STATEMENTS + DECISION_READ
    with session_scope(live.engine) as session:
        evidence = session.exec(select(Evidence).where(Evidence.checklist_item_id == items[0])).one()
        assert evidence.decision_id == decision.id


def test_another_persons_item_and_a_missing_token_are_still_refused(live: Live, counter: Counter) -> None:
    """The viewer's row comes from the session lookup now; who may complete is still decided by the roles."""
    item_id = _open_items(live.engine, "samordnare", EvidenceKind.DOCUMENT)[0]
    kso = live.login(KSO)
    refused = kso.post(
        f"/org/fagersta/punkt/{item_id}",
        data={"csrf_token": kso.csrf, "title": "Protokoll", "uri": "dnr KS 2027/1"},  # type: ignore[attr-defined]
    )
    assert refused.status_code == 403 and "får inte markera" in refused.text
    forged = live.login(SAMORDNARE).post(
        f"/org/fagersta/punkt/{item_id}", data={"csrf_token": "fel", "title": "Protokoll", "uri": "dnr KS 2027/1"}
    )
    assert forged.status_code == 403
    with session_scope(live.engine) as session:
        assert session.get(ChecklistItem, item_id).status == ItemStatus.OPEN  # type: ignore[union-attr]
