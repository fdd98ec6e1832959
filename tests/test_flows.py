"""One real Prefect flow run against the Prefect test harness (a temporary server), and the deployments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from samverkan.core.settings import get_settings
from samverkan.database import make_engine, session_scope, upgrade
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from tests.conftest import EXAMPLES
from tests.receivers import SmtpServer

# the module's shared fixture is built once: its tests stay in one test process (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("test_flows")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture
def fagersta_flows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Fagersta loaded into a SQLite file that the flows' runtime uses; yields the data folder."""
    from samverkan.flows import runtime

    url = f"sqlite:///{tmp_path / 'samverkan.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))
    monkeypatch.setenv("SAMVERKAN_DATABASE_URL", url)
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    try:
        yield tmp_path / "var"
    finally:
        get_settings.cache_clear()
        runtime.engine.cache_clear()


def test_the_monthly_report_flow_runs_for_real(prefect_harness: None, fagersta_flows: Path) -> None:
    from samverkan.flows.cycle_flows import reports_flow

    state = reports_flow(now="2027-02-05T06:00:00+01:00", return_state=True)
    assert state.is_completed()
    result = state.result()
    assert result["actions"] == {"manadsrapport": 1}
    assert result["notifications"] == {
        "lansstyrelsen-samordnare": 1,
        "samordnare": 1,
        "kommundirektor": 1,
        "socialchef": 1,
        "skolchef": 1,
        "kultur-fritidschef": 1,
        "teknisk-chef": 1,
        "kommunpolis": 1,
    }
    (packet,) = result["packets"]
    assert Path(packet).is_file() and Path(packet).parent == fagersta_flows / "handlingar" / "fagersta"
    again = reports_flow(now="2027-02-05T07:00:00+01:00")
    assert again["notifications_total"] == 0 and again["already_done"] == 1


def test_the_daily_sweep_flow_does_every_kind_in_one_run(prefect_harness: None, fagersta_flows: Path) -> None:
    from samverkan.flows.cycle_flows import reports_flow, sweep_flow

    result = sweep_flow(now="2027-02-05T06:30:00+01:00")
    assert result["scope"] == "alla" and result["from"] == "2027-01-29"
    assert result["actions"]["manadsrapport"] == 1  # the report the rapporter flow would have sent
    assert len(result["actions"]) > 1  # and the other kinds due in the same run
    again = reports_flow(now="2027-02-05T07:00:00+01:00")  # an operator's per-kind run finds it done
    assert again["notifications_total"] == 0 and again["already_done"] == 1
    assert again["from"] == "2027-01-29"  # the daily sweep's day counts for the reports' kinds


def test_deployments_have_stockholm_schedules_and_one_sweep_at_a_time() -> None:
    from samverkan.flows.deployments import deployments

    built = {d.name: d for d in deployments()}
    assert set(built) == {"daglig-svep", "motesforberedelse", "inriktningsbeslut", "rapporter", "leverans"}
    schedule = built["daglig-svep"].schedules[0].schedule
    assert schedule.timezone == "Europe/Stockholm" and schedule.rrule.startswith("DTSTART:20260101T063000")
    assert built["daglig-svep"].entrypoint.endswith("sweep_flow")  # every kind: one sweep run a day
    for name in ("daglig-svep", "motesforberedelse", "inriktningsbeslut", "rapporter", "leverans"):
        assert built[name].concurrency_limit == 1
    for name in ("motesforberedelse", "inriktningsbeslut", "rapporter"):  # on demand, for operators
        assert built[name].schedules == []
    scheduled = [d for d in built.values() if d.schedules]
    assert sorted(d.name for d in scheduled) == ["daglig-svep", "leverans"]
    hourly, once = (s.schedule for s in built["leverans"].schedules)  # no process start every five minutes
    assert hourly.rrule == "DTSTART:20260101T000000\nRRULE:FREQ=HOURLY" and hourly.timezone == "Europe/Stockholm"
    assert once.rrule.endswith("RRULE:FREQ=MINUTELY;COUNT=1")  # serve: the first loop starts at once
    (registered,) = next(d for d in deployments(module_path=True) if d.name == "leverans").schedules
    assert registered.schedule.rrule == hourly.rrule  # deploy: no run at deploy time (that a test's run would wait for)
    assert not any(d.triggers for d in built.values())  # no event deployment: the service notifies in its commit


def test_registered_deployments_name_the_installed_module_not_a_folder() -> None:
    from samverkan.flows.deployments import deployments

    for deployment in deployments(module_path=True):
        assert deployment.entrypoint.startswith("samverkan.flows.cycle_flows.")
        assert ":" not in deployment.entrypoint and "/" not in deployment.entrypoint
        assert deployment.storage is None  # no pull steps: no set_working_directory


def test_the_delivery_flow_watches_the_outbox_until_its_end(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer
) -> None:
    """The hourly run's loop inside a real flow run: it sends what is due, logs each pass from its own thread
    (the run's context goes with it) and completes when its time is up."""
    from datetime import timedelta

    from samverkan.core.timeutil import utcnow
    from samverkan.flows import runtime
    from samverkan.flows.cycle_flows import delivery_flow
    from samverkan.models import Notification, Organisation, Person

    url = f"sqlite:///{tmp_path / 'samverkan.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))
        org = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        person = session.exec(select(Person).where(Person.email == "johan.provare@polisen.example")).one()
        now = utcnow()  # (Johan has no contact routes of his own: e-mail only)
        session.add(
            Notification(
                idempotency_key="fagersta:flodesprov",
                organisation_id=org.id or 0,
                kind="meddelande",
                person_id=person.id,
                urgent=True,
                subject="Prov",
                body_text="Hej,\n\nProv.",
                not_before=now,
                created_at=now,
            )
        )
    monkeypatch.setenv("SAMVERKAN_DATABASE_URL", url)
    monkeypatch.setenv("SAMVERKAN_SMTP_URL", smtp.url)
    get_settings.cache_clear()
    runtime.engine.cache_clear()
    try:
        state = delivery_flow(until=(utcnow() + timedelta(seconds=4)).isoformat(), return_state=True)
        assert state.is_completed()
        result = state.result()
        assert result["sent"] == 1 and len(smtp.received) == 1, (result, smtp.received)
    finally:
        get_settings.cache_clear()
        runtime.engine.cache_clear()
        engine.dispose()
