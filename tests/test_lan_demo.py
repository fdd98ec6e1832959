"""The regional level as a user meets it: `samverkan run` of a länsstyrelse's file (its county's kommuner loaded
from beside it, their cycles started, none for the länsstyrelse), a refused start as 'fel: …', the
länsstyrelse's pages offering its county and not a cycle it cannot run, and the county page's earlier months
counted in months across every month boundary."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sqlmodel import select as sql_select

from samverkan.cli.run import prepare_demo
from samverkan.core.timeutil import STOCKHOLM, today_local
from samverkan.database import make_engine, session_scope
from samverkan.models import Cycle, Organisation, Person
from samverkan.models.enums import OrgKind
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from samverkan.process.owners import CYCLE_KINDS, runs_cycle
from samverkan.services import accounts, cycle
from samverkan.services.actor import Actor
from samverkan.services.county_analysis import month_range, recent_months, shift_month
from samverkan.services.errors import RefusedError
from tests.conftest import EXAMPLES
from tests.live import PASSWORD, _hashed, csrf_of, live_server
from tests.receivers import free_port
from tests.test_run_demo import start

ROOT = Path(__file__).resolve().parent.parent
SAMVERKAN = Path(sys.executable).parent / "samverkan"
LAN = "lansstyrelsen-vastmanland"
HELENA = "helena.lansson@lansstyrelsen.example"
MARIA = "maria.exempelsson@fagersta.example"
COUNTY = ["fagersta", "jarnboda", "malmberga"]


# -- the rule --------------------------------------------------------------------------------------------------


def test_only_the_local_collaboration_runs_the_cycle() -> None:
    assert {kind for kind in OrgKind if runs_cycle(kind)} == set(CYCLE_KINDS)
    assert not runs_cycle(OrgKind.LANSSTYRELSE) and not runs_cycle("lansstyrelse")
    assert runs_cycle(OrgKind.KOMMUN) and runs_cycle(OrgKind.STADSDEL) and runs_cycle(OrgKind.SAMVERKANSOMRADE)


def load_county(engine: Engine) -> None:
    for name in (LAN, *COUNTY):
        with session_scope(engine) as session:
            load_config(session, validate_file(EXAMPLES / f"{name}.yaml"))


def test_a_lansstyrelse_cannot_start_a_cycle_and_nothing_is_written(engine: Engine) -> None:
    load_county(engine)
    refused = pytest.raises(RefusedError, match="Länsstyrelsen Västmanland driver ingen egen cykel")
    with refused, session_scope(engine) as session:
        cycle.start_cycle(session, Actor(LAN, HELENA, today_local()))
    with Session(engine) as session:
        assert session.exec(sql_select(Cycle)).all() == []


def test_the_cli_refuses_a_lansstyrelse_a_cycle_in_swedish(engine: Engine, db_url: str) -> None:
    from click.testing import CliRunner

    from samverkan.cli.main import app

    load_county(engine)
    argv = ["cycle", "start", LAN, "--db", db_url, "--as", HELENA, "--date", today_local().isoformat()]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("fel: Länsstyrelsen Västmanland driver ingen egen cykel"), result.stderr


# -- samverkan run -----------------------------------------------------------------------------------------------


def county_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    """A folder with the länsstyrelse's file and the named example files, under the names given."""
    folder = tmp_path / "exempel"
    folder.mkdir()
    shutil.copy(EXAMPLES / f"{LAN}.yaml", folder / f"{LAN}.yaml")
    for example, name in files.items():
        shutil.copy(EXAMPLES / f"{example}.yaml", folder / name)
    return folder


def test_the_demo_of_a_lansstyrelse_loads_the_kommuner_beside_it(engine: Engine, tmp_path: Path) -> None:
    data = tmp_path / "data"
    start(engine, data)
    # Järnboda's file under another name is found by its organisation key; Malmberga's is not there
    folder = county_folder(tmp_path, {"fagersta": "fagersta.yaml", "jarnboda": "kommun-j.yaml"})
    login = prepare_demo(engine, folder / f"{LAN}.yaml", data)
    assert not login.runs_cycle and not login.cycle_started
    assert login.email == HELENA
    assert [(k.name, k.cycle_started) for k in login.county] == [("Fagersta kommun", True), ("Järnboda kommun", True)]
    assert login.missing == ["malmberga"]
    assert ("Brottsförebyggande samordnare", "Maria Exempelsson", MARIA) in login.county[0].coordinators
    with Session(engine) as session:
        started = session.exec(sql_select(Organisation.key).join(Cycle, Cycle.organisation_id == Organisation.id))
        assert sorted(started.all()) == ["fagersta", "jarnboda"]
    again = prepare_demo(engine, folder / f"{LAN}.yaml", data)  # a second run starts nothing anew
    assert [k.cycle_started for k in again.county] == [False, False]


def test_an_invalid_kommun_file_beside_the_county_loads_nothing(engine: Engine, tmp_path: Path) -> None:
    from samverkan.cli.classes import Failure

    folder = county_folder(tmp_path, {"fagersta": "fagersta.yaml", "jarnboda": "jarnboda.yaml"})
    (folder / "malmberga.yaml").write_text("schema_version: 1\norganisation: [\n", encoding="utf-8")
    with pytest.raises(Failure, match=r"malmberga\.yaml går inte att läsa in"):
        prepare_demo(engine, folder / f"{LAN}.yaml", tmp_path / "data")
    with Session(engine) as session:
        assert session.exec(sql_select(Organisation)).all() == []


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SAMVERKAN_"))}
    env.update(
        SAMVERKAN_DATA_DIR=str(tmp_path / "var"),
        SAMVERKAN_DATABASE_URL=f"sqlite:///{tmp_path / 'samverkan.db'}",
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        DO_NOT_TRACK="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """The command's output up to and including the line with `marker` (read in a thread: a pipe's lines come
    in blocks)."""
    assert process.stdout is not None
    lines: list[str] = []
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while not any(marker in line for line in lines):
        assert process.poll() is None, "".join(lines) + (process.stderr.read() if process.stderr else "")
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    return "".join(lines)


def _log_in(client: httpx.Client, email: str, password: str) -> str:
    answer = client.post(
        "/logga-in", data={"email": email, "password": password, "csrf_token": csrf_of(client.get("/logga-in").text)}
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/mitt-arbete").text)


def test_samverkan_run_of_the_county_example_serves_the_regional_demo(tmp_path: Path) -> None:
    port = free_port()
    command = [str(SAMVERKAN), "run", "--utan-scheman", "--port", str(port), f"examples/{LAN}.yaml"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        shown = _read_until(process, "Avsluta med Ctrl-C", 90)
        assert "Organisation: Länsstyrelsen Västmanland (driver ingen egen cykel" in shown
        for name in ("Fagersta kommun", "Järnboda kommun", "Malmberga kommun"):
            assert f"Länets kommun: {name} (cykel 1 startad)" in shown, shown
        assert f"Regional samordnare brottsförebyggande: Helena Länsson <{HELENA}>" in shown
        assert f"Brottsförebyggande samordnare, Fagersta kommun: Maria Exempelsson <{MARIA}>" in shown
        assert "Saknas" not in shown
        password = re.search(r"Lösenord för alla: (\S+)", shown)
        assert password, shown
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(100):  # the address is printed before uvicorn listens
                try:
                    client.get("/logga-in")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            _log_in(client, HELENA, password.group(1))
            overview = client.get(f"/org/{LAN}/oversikt")
            assert overview.status_code == 200
            assert "Länet: Västmanlands län" in overview.text and "Malmberga kommun" in overview.text
            assert "Starta" not in overview.text and "Cykelns faser" not in overview.text
            _log_in(client, MARIA, password.group(1))
            assert "Cykelns faser" in client.get("/org/fagersta/oversikt").text  # the kommun's cycle runs
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        errors = process.stderr.read() if process.stderr else ""
    assert process.returncode in (0, -signal.SIGTERM), errors
    assert "Traceback" not in errors


def test_a_start_the_service_refuses_ends_run_with_fel_and_exit_code_1(tmp_path: Path) -> None:
    """Fagersta's file with no role for the process's function kommunpolis: the start is refused, said in
    Swedish, nothing is served and no traceback is shown."""
    folder = tmp_path / "exempel"
    folder.mkdir()
    text = (EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8").replace("kommunpolis", "polis-kontakt")
    (folder / "fagersta.yaml").write_text(text, encoding="utf-8")
    command = [str(SAMVERKAN), "run", "--utan-scheman", "--port", str(free_port()), str(folder / "fagersta.yaml")]
    answer = subprocess.run(command, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert answer.returncode == 1, answer.stdout + answer.stderr
    assert answer.stderr.startswith("fel: Fagersta kommun saknar roller för processens funktioner: kommunpolis")
    assert "Traceback" not in answer.stderr and "Samverkan: http" not in answer.stdout
    with Session(make_engine(f"sqlite:///{tmp_path / 'samverkan.db'}")) as session:
        assert session.exec(sql_select(Organisation)).all() == []  # the load went with the refused start


# -- the länsstyrelse's pages ------------------------------------------------------------------------------------


def test_the_lansstyrelse_pages_offer_its_county_not_a_cycle(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_county(engine)
    today = today_local()
    with session_scope(engine) as session:
        for person in session.exec(sql_select(Person)).all():
            session.add(accounts.Account(person_id=person.id, password_hash=_hashed()))
    with session_scope(engine) as session:
        cycle.start_cycle(session, Actor("fagersta", MARIA, today))
    with live_server(engine, tmp_path / "data", monkeypatch) as site, site.client() as client:
        csrf = _log_in(client, HELENA, PASSWORD)
        overview = client.get(f"/org/{LAN}/oversikt").text
        assert "Länet: Västmanlands län" in overview
        assert "Fagersta kommun</strong> · Initiera samverkan" in overview  # the kommun's running phase
        assert "Järnboda kommun</strong> · ingen pågående cykel" in overview
        assert "Månadsanalys" in overview and "Nätverket" in overview and "Nästa möte" in overview
        for cycle_only in ("Cykelns faser", "Starta", "Överenskommelse och medborgarlöften", "EST-lägesbild"):
            assert cycle_only not in overview
        menu = re.findall(rf'href="/org/{LAN}(/[a-z]*)"', overview)
        assert "/lan" in menu and "/cykel" not in menu and "/est" not in menu
        page = client.get(f"/org/{LAN}/cykel")
        assert page.status_code == 200
        assert "driver ingen egen cykel" in page.text and "Starta första cykeln" not in page.text
        assert f'href="/org/{LAN}/lan"' in page.text
        refused = client.post(f"/org/{LAN}/cykel/starta", data={"csrf_token": csrf})
        assert refused.status_code == 422 and "driver ingen egen cykel" in refused.text
        assert "kommunpolis" not in refused.text
        county = client.get(f"/org/{LAN}/lan").text
        listed = re.findall(rf'href="/org/{LAN}/lan/analys/(\d+)/(\d+)">', county.split("Tidigare månader")[1])
        assert [(int(y), int(m)) for y, m in listed] == [(d.year, d.month) for d in recent_months(today, 12)[1:]]
        for year, month in listed:
            assert client.get(f"/org/{LAN}/lan/analys/{year}/{month}").status_code == 200
        _log_in(client, MARIA, PASSWORD)
        kommun = client.get("/org/fagersta/oversikt").text
        assert "Cykelns faser" in kommun and "EST-lägesbild" in kommun
    with Session(engine) as session:
        board = session.exec(sql_select(Organisation).where(Organisation.key == LAN)).one()
        assert session.exec(sql_select(Cycle).where(Cycle.organisation_id == board.id)).all() == []


# -- the month arithmetic ----------------------------------------------------------------------------------------


def _consecutive(months: list[date], today: date) -> None:
    assert months[0] == today.replace(day=1), (today, months)
    for later, earlier in itertools.pairwise(months):
        step = (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month)
        assert step == 1 and earlier.day == 1, (today, months)


def test_the_earlier_months_skip_none_on_any_day_of_two_years() -> None:
    day = date(2026, 1, 1)
    while day <= date(2027, 12, 31):
        months = recent_months(day, 12)
        _consecutive(months, day)
        assert len(set(months)) == 12
        assert shift_month(shift_month(day, -13), 13) == day.replace(day=1)
        first, last = month_range(day.year, day.month)
        assert first <= day <= last and shift_month(first, 1) == last + timedelta(days=1)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 27), ["2026-10", "2026-09", "2026-08"]),  # the tester's day: September was skipped
        (date(2026, 3, 31), ["2026-02", "2026-01", "2025-12"]),  # after February, across the year's end
        (date(2027, 1, 1), ["2026-12", "2026-11", "2026-10"]),
        (date(2028, 3, 1), ["2028-02", "2028-01", "2027-12"]),  # a leap year's February
        (date(2026, 10, 25), ["2026-09", "2026-08", "2026-07"]),  # the day summer time ends
        (date(2026, 3, 29), ["2026-02", "2026-01", "2025-12"]),  # the day summer time begins
    ],
)
def test_the_earlier_months_of_a_given_day(today: date, expected: list[str]) -> None:
    assert [f"{d.year}-{d.month:02d}" for d in recent_months(today, 4)[1:]] == expected


def test_the_months_of_every_hour_around_the_clock_changes_and_the_years_end() -> None:
    """'Today' is the Stockholm date of an instant: every hour of two years, summer time and its end included."""
    moment = datetime(2025, 12, 31, tzinfo=UTC)
    while moment < datetime(2028, 1, 2, tzinfo=UTC):
        today = moment.astimezone(STOCKHOLM).date()
        _consecutive(recent_months(today, 12), today)
        moment += timedelta(hours=1)
