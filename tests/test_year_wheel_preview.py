"""The web årshjul's preview of the coming quarter: the messages the cadences will send, computed from the live
database without writing anything, and the same as what the sweep then sends day by day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from samverkan.core.timeutil import STOCKHOLM, today_local
from samverkan.database import session_scope
from samverkan.models import Notification, Role, TriggerOccurrence
from samverkan.services.simulation import message_preview
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES
from tests.drive import SAMORDNARE, Driver
from tests.live import Live, fagersta_for_web, live_server
from tests.receivers import SmtpServer

FIRST, LAST = date(2027, 2, 1), date(2027, 4, 30)


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        occurrences = session.exec(select(func.count()).select_from(TriggerOccurrence)).one()
        notifications = session.exec(select(func.count()).select_from(Notification)).one()
    return occurrences, notifications


def test_the_preview_is_what_the_sweep_sends_and_writes_nothing(engine: Engine) -> None:
    Driver(engine, "fagersta", FIRST).load(EXAMPLES / "fagersta.yaml")
    with Session(engine) as session:
        preview = message_preview(session, "fagersta", FIRST, LAST)
    assert _counts(engine) == (0, 0), "the preview must not write occurrences or messages"
    assert len(preview) > 10
    assert any(p.kind == "kallelse" for p in preview)
    assert all(FIRST <= p.send_at.date() <= LAST for p in preview)
    with Session(engine) as session:
        keys = set(session.exec(select(Role.key)).all())
        names = set(session.exec(select(Role.name)).all())
    shown = {role for p in preview for role in p.roles}
    assert shown and shown <= names and not shown & keys, "roles are named as people read them, never by their keys"

    sent = []
    day = FIRST
    while day <= LAST:
        with session_scope(engine) as session:
            moment = datetime.combine(day, time(6, 0), tzinfo=STOCKHOLM)
            sent += sweep(session, moment, org_keys=["fagersta"], lookback_days=0, documents_dir=None).messages
        day += timedelta(days=1)
    previewed = sorted((p.send_at, p.subject, p.kind, p.persons) for p in preview)
    actual = sorted((m["send_at"], m["subject"], m["kind"], m["persons"]) for m in sent)
    assert previewed == actual


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def test_the_year_wheel_page_shows_the_coming_quarters_messages(live: Live) -> None:
    before = _counts(live.engine)
    client = live.login(SAMORDNARE)
    page = client.get("/org/fagersta/arshjul")
    assert page.status_code == 200
    html = page.text
    assert "Kommande utskick det närmaste kvartalet" in html
    section = html.split('id="utskick"', 1)[1]
    assert "Kallelse" in section and "personer)" in section
    assert today_local().isoformat()[:4] in section
    assert "est-" not in section and "paminnelse-" not in section, "role keys and action codes are never shown raw"
    assert _counts(live.engine) == before, "looking at the preview writes nothing"
