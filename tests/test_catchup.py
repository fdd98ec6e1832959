"""No silent loss at the lookback edge: the sweep catches up from the last day it completed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.main import app
from samverkan.core.settings import get_settings
from samverkan.database import make_engine, session_scope, upgrade
from samverkan.models import Notification, SweepRecord, TriggerOccurrence
from samverkan.services import cycle
from samverkan.services.catchup import KIND_GROUPS, MAX_CATCHUP_DAYS, catch_up, first_day_to_sweep, last_swept
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES
from tests.drive import SAMORDNARE, Driver

STHLM = ZoneInfo("Europe/Stockholm")
LAST_SWEPT = date(2027, 1, 25)
AFTER_GAP = LAST_SWEPT + timedelta(days=11)  # 2027-02-05: the ten days 26 January – 4 February were missed


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 6, 30, tzinfo=STHLM)


def prepared(engine: Engine) -> None:
    driver = Driver(engine, "fagersta", date(2027, 1, 11))
    driver.load(EXAMPLES / "fagersta.yaml")
    driver(cycle.start_cycle, SAMORDNARE)  # checklist deadlines and an opened phase, besides the cadences


def outbox(engine: Engine) -> tuple[list[str], set[date]]:
    with Session(engine) as session:
        # a phase's key holds the moment it opened, which differs between the two databases
        keys = [re.sub(r"T\d{6}:", "T:", k) for k in session.exec(select(Notification.idempotency_key)).all()]
        days = {t.astimezone(STHLM).date() for t in session.exec(select(TriggerOccurrence.scheduled_for)).all()}
    return keys, days


def test_a_ten_day_gap_is_caught_up_completely(engine: Engine, tmp_path: Path) -> None:
    prepared(engine)
    with session_scope(engine) as session:
        catch_up(session, at(LAST_SWEPT), documents_dir=tmp_path / "a")
    with session_scope(engine) as session:
        after = catch_up(session, at(AFTER_GAP), documents_dir=tmp_path / "a")
    assert after.first_day == LAST_SWEPT + timedelta(days=1) and after.previous_day == LAST_SWEPT
    assert after.warnings == ["svepet har inte körts på 10 dagar (senast klart 2027-01-25); tar igen dem nu"]

    assert_as_if_swept_every_day(engine, tmp_path)
    with Session(engine) as session:
        record = session.get(SweepRecord, "alla")
    assert record is not None and record.last_day == AFTER_GAP and record.runs == 2


def assert_as_if_swept_every_day(engine: Engine, tmp_path: Path) -> None:
    """The outbox and the occurrences are those of the same organisation swept every single morning."""
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(reference)
    prepared(reference)
    with session_scope(reference) as session:
        sweep(session, at(LAST_SWEPT), documents_dir=tmp_path / "b")
    day = LAST_SWEPT + timedelta(days=1)
    while day <= AFTER_GAP:
        with session_scope(reference) as session:
            sweep(session, at(day), lookback_days=0, documents_dir=tmp_path / "b")
        day += timedelta(days=1)

    keys, days = outbox(engine)
    reference_keys, reference_days = outbox(reference)
    reference.dispose()
    assert len(keys) == len(set(keys))  # every action once
    assert sorted(keys) == sorted(reference_keys)  # and every one of them
    assert days == reference_days
    edge = AFTER_GAP - timedelta(days=7)  # what a fixed seven-day lookback would have lost
    assert any(LAST_SWEPT < d < edge for d in days)


def test_the_daily_sweep_after_per_kind_sweeps_starts_where_the_earliest_kind_stopped(
    engine: Engine, tmp_path: Path
) -> None:
    """An installation that ran one flow per group of kinds switches to the one daily sweep: no day is lost."""
    prepared(engine)
    for group in KIND_GROUPS.values():
        with session_scope(engine) as session:
            catch_up(session, at(LAST_SWEPT), kinds=group, documents_dir=tmp_path / "a")
    with session_scope(engine) as session:  # the reports were also swept some days later
        catch_up(session, at(LAST_SWEPT + timedelta(days=3)), kinds=KIND_GROUPS["rapporter"])
    with Session(engine) as session:
        assert last_swept(session, None) == LAST_SWEPT
        assert last_swept(session, KIND_GROUPS["rapporter"]) == LAST_SWEPT + timedelta(days=3)
        assert last_swept(session, ["no_such_kind"]) is None
    with session_scope(engine) as session:
        after = catch_up(session, at(AFTER_GAP), documents_dir=tmp_path / "a")
    assert after.scope == "alla" and after.previous_day == LAST_SWEPT
    assert after.first_day == LAST_SWEPT + timedelta(days=1)
    assert_as_if_swept_every_day(engine, tmp_path)
    with Session(engine) as session:  # a per-kind sweep now counts the daily sweep's day
        assert last_swept(session, KIND_GROUPS["inriktningsbeslut"]) == AFTER_GAP


def test_the_gap_is_bounded_and_says_what_it_leaves() -> None:
    today = date(2027, 6, 1)
    first, warnings = first_day_to_sweep(today, date(2027, 1, 1), None, MAX_CATCHUP_DAYS)
    assert first == today - timedelta(days=MAX_CATCHUP_DAYS)
    assert "tas inte igen" in warnings[1] and "samverkan sweep --from 2027-01-02" in warnings[1]
    first, warnings = first_day_to_sweep(today, date(2027, 5, 31), None, MAX_CATCHUP_DAYS)
    assert first == today - timedelta(days=7) and warnings == []  # never less than the usual lookback
    assert first_day_to_sweep(today, None, date(2027, 3, 1), MAX_CATCHUP_DAYS) == (date(2027, 3, 1), [])


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An absolute data folder, as production (PostgreSQL) requires."""
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_sweep_command_for_operators(engine: Engine, db_url: str, data_dir: Path) -> None:
    prepared(engine)
    runner = CliRunner()
    answer = runner.invoke(app, ["sweep", "--db", db_url, "--now", "2027-02-05T06:30", "--from", "2027-01-20"])
    assert answer.exit_code == 0, answer.output
    assert "Svepte 2027-01-20–2027-02-05" in answer.output
    assert any((data_dir / "handlingar").rglob("*.html"))  # the documents went to the data folder
    again = runner.invoke(app, ["sweep", "--db", db_url, "--now", "2027-02-05T07:00", "--json"])
    assert again.exit_code == 0 and '"notifications_total": 0' in again.output
    wrong = runner.invoke(app, ["sweep", "--db", db_url, "--now", "2027-02-05", "--from", "2027-03-01"])
    assert wrong.exit_code == 1 and "ligger efter" in wrong.output and "Traceback" not in wrong.output


@pytest.mark.parametrize("moment", ["igår", "2027-13-01"])
def test_sweep_command_refuses_a_bad_time(moment: str) -> None:
    answer = CliRunner().invoke(app, ["sweep", "--now", moment])
    assert answer.exit_code == 2 and "tidpunkt" in answer.output
