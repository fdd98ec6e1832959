"""Benchmark: 290 kommuner with realistic bodies and cadences; validation of their files, a simulated year, the
production day on the flows' own code path beside the simulation's day, the year's sweeps against a raw-insert
floor, the "already fired" query over 1 and 5 years of history, and one Prefect flow run's overhead.

    .venv/bin/python benchmarks/nationwide_year.py [--kommuner 290] [--database postgresql+psycopg://...]
                                                   [--no-prefect] [--documents] [--before CHECKOUT]

`--before /tmp/before` (after `git worktree add /tmp/before main`) runs each production morning also with that
checkout's code, on a copy of the same database, and prints both side by side.

Targets (issue 19): the year including validation ≤ 20 s on SQLite, ≤ 30 s on PostgreSQL; a production day for
290 kommuner ≤ 0.3 s CPU without documents; the year's sweeps ≤ 2× the raw-insert floor; the "already fired"
query flat from 1 to 5 years of history.

The production day runs in a fresh process, as a Prefect worker runs each flow run: flows/runtime.py `run_sweep`
→ services/catchup.py `catch_up` (all trigger kinds, the 7-day lookback) on the database the year left, timed
with time.process_time (this process's CPU; PostgreSQL's own CPU is not in it) and wall clock.
With `--database URL` (a PostgreSQL server) the benchmark creates its own databases there and drops them after.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

PRODUCTION_DAYS = 5  # consecutive production mornings after the simulated year, each in a fresh process
HISTORY_YEARS = 5


def prefect_overhead(runs: int) -> dict[str, float]:
    """Per-run time of a trivial flow on Prefect's ephemeral server, after warm-up; heartbeat on and off."""
    home = tempfile.mkdtemp(prefix="bench-prefect-")
    atexit.register(shutil.rmtree, home, True)  # after Prefect's ephemeral server has stopped with the process
    os.environ.update(
        {
            "PREFECT_HOME": home,
            "PREFECT_API_URL": "",
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            # the flow runs' own log lines, and Prefect 3.8's complaint that a run's last heartbeat event found the
            # events worker already stopped (a traceback per run with the heartbeat on), are not what is measured
            "PREFECT_LOGGING_LEVEL": "CRITICAL",
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            "PREFECT_LOGGING_INTERNAL_LEVEL": "CRITICAL",
        }
    )
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    @flow
    def noop() -> int:
        return 1

    began = time.perf_counter()
    noop()
    startup = time.perf_counter() - began
    timings = {}
    for label, updates in (("default", {}), ("heartbeat_off", {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})):
        with temporary_settings(updates=updates):
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                noop()
                samples.append(time.perf_counter() - began)
        timings[label] = statistics.median(samples)
    return {"first_run_with_server_start": startup, **timings}


@contextmanager
def databases(server: str | None, scratch: Path, count: int) -> Iterator[list[str]]:
    """`count` empty databases: SQLite files in `scratch`, or fresh databases on the PostgreSQL server (dropped)."""
    if server is None:
        yield [f"sqlite:///{scratch / f'bench-{n}.db'}" for n in range(count)]
        return
    import sqlalchemy as sa

    names = [f"bench_day19_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield [sa.make_url(server).set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def production_day(url: str, moment: datetime, data_dir: Path | None, code: Path | None = None) -> dict[str, Any]:
    """One production morning in a fresh Python process (what a Prefect worker starts for a flow run). `code`: a
    folder holding a `samverkan` package to run instead of this checkout's (the code before a change)."""
    env = os.environ | {"SAMVERKAN_DATABASE_URL": url, "SAMVERKAN_DATA_DIR": str(data_dir or "/nonexistent")}
    if code is not None:
        env["PYTHONPATH"] = str(code)  # ahead of the editable install's finder
    command = [sys.executable, __file__, "--production-day", moment.isoformat()]
    if data_dir is not None:
        command.append("--documents")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_production_day(moment: str, documents: bool) -> None:
    """The child's side: the flows' own code path, timed; the modules' import (once per process, before the run),
    the database driver's among them (psycopg: ~60 ms, imported when the engine is made), is timed apart."""
    began = time.process_time()
    import samverkan.services.catchup  # noqa: F401  (what run_sweep imports on its first call)
    from samverkan.flows.runtime import engine, run_sweep

    engine()  # the database driver's import; no connection yet
    imports = time.process_time() - began
    cpu, wall = time.process_time(), time.perf_counter()
    result = run_sweep(None, None, moment, documents=documents)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        json.dumps(
            {
                "cpu": cpu,
                "wall": wall,
                "imports": imports,
                "notifications": result["notifications_total"],
                "triggers": sum(result["triggers"].values()),
                "already_done": result["already_done"],
                "documents": len(result["packets"]),
                "from": result["from"],
            }
        )
    )


def before_code(checkout: Path, scratch: Path) -> Path:
    """A folder whose `samverkan` package is `checkout` (e.g. `git worktree add /tmp/before main`)."""
    folder = scratch / "before-code"
    folder.mkdir()
    (folder / "samverkan").symlink_to(checkout.resolve(), target_is_directory=True)
    return folder


def sqlite_copy(url: str, copy: Path) -> str:
    """A consistent copy of a SQLite database (the backup API), for running a morning twice on the same state."""
    import sqlite3

    source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{copy}"


def summary_line(label: str, mornings: list[dict[str, Any]]) -> str:
    cpu = sorted(m["cpu"] for m in mornings)
    wall = sorted(m["wall"] for m in mornings)
    return (
        f"{label}: CPU median {statistics.median(cpu) * 1000:.0f} ms (max {cpu[-1] * 1000:.0f} ms), "
        f"wall median {statistics.median(wall) * 1000:.0f} ms (max {wall[-1] * 1000:.0f} ms); "
        f"importing the modules first: {statistics.median(m['imports'] for m in mornings) * 1000:.0f} ms CPU"
    )


def rows_of(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import sqlalchemy as sa

    from samverkan.database import make_engine
    from samverkan.models import Notification, TriggerOccurrence
    from samverkan.models.base import table_of

    engine = make_engine(url)
    with engine.connect() as connection:
        occurrences = [dict(r._mapping) for r in connection.execute(sa.select(table_of(TriggerOccurrence)))]
        notifications = [dict(r._mapping) for r in connection.execute(sa.select(table_of(Notification)))]
    engine.dispose()
    return occurrences, notifications


def raw_insert_floor(
    url: str, occurrences: list[dict[str, Any]], notifications: list[dict[str, Any]]
) -> tuple[float, float]:
    """Insert the year's rows into an empty database with plain executemany, one transaction per day as the
    year's sweeps commit; the organisations they point to are copied first, untimed."""
    import sqlalchemy as sa

    from samverkan.database import make_engine, upgrade
    from samverkan.models import Body, Notification, Organisation, Person, Role, TriggerOccurrence
    from samverkan.models.base import table_of

    engine = make_engine(url)
    upgrade(engine)
    occurrence_table, notification_table = table_of(TriggerOccurrence), table_of(Notification)
    by_day: dict[date, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = defaultdict(lambda: ([], []))
    for row in occurrences:
        by_day[row["fired_at"].date()][0].append({k: v for k, v in row.items() if k != "id"})
    for row in notifications:
        by_day[row["created_at"].date()][1].append({k: v for k, v in row.items() if k != "id"})
    source = make_engine(source_url)
    with source.connect() as read, engine.begin() as connection:  # what the rows refer to, untimed
        for model, unlinked in ((Organisation, "parent_id"), (Person, ""), (Role, "party_id"), (Body, "")):
            rows = [dict(r._mapping) for r in read.execute(sa.select(table_of(model)))]
            for row in rows:  # links between these rows are not needed for the floor
                for column in (unlinked, "chair_role_id", "convener_role_id"):
                    if column in row:
                        row[column] = None
            if rows:
                connection.execute(sa.insert(table_of(model)), rows)
    source.dispose()
    began, began_cpu = time.perf_counter(), time.process_time()
    for day in sorted(by_day):
        day_occurrences, day_notifications = by_day[day]
        with engine.begin() as connection:
            if day_occurrences:
                connection.execute(sa.insert(occurrence_table), day_occurrences)
            if day_notifications:
                connection.execute(sa.insert(notification_table), day_notifications)
    floor, floor_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    engine.dispose()
    return floor, floor_cpu


source_url = ""  # the year's database, for the floor's referenced rows


def fired_query(url: str, today: date) -> tuple[float, int]:
    """The sweep's "already fired" query for every organisation, as a production day runs it: the fastest of 9
    runs (on a shared machine the median moves by several milliseconds between runs). On PostgreSQL the table is
    analysed first, as autovacuum does after the bulk insert of the history."""
    from sqlmodel import Session, select

    from samverkan.database import make_engine
    from samverkan.models import Organisation
    from samverkan.services.sweep import _fired, _local_midnight

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":  # the statistics autovacuum keeps after bulk inserts
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE trigger_occurrence")
    samples, found = [], 0
    with Session(engine) as session:
        ids = [i for i in session.exec(select(Organisation.id)).all() if i is not None]
        for _ in range(9):
            began = time.perf_counter()
            found = len(_fired(session, ids, _local_midnight(today - timedelta(days=8))))
            samples.append(time.perf_counter() - began)
    engine.dispose()
    return min(samples), found


def add_history(url: str, occurrences: list[dict[str, Any]], notifications: list[dict[str, Any]], years: int) -> int:
    """Earlier years of history: the simulated year's rows again, moved back by whole years (keys kept unique)."""
    import sqlalchemy as sa

    from samverkan.database import make_engine
    from samverkan.models import Notification, TriggerOccurrence
    from samverkan.models.base import table_of

    engine = make_engine(url)
    added = 0
    for back in range(1, years + 1):
        shift = timedelta(days=364 * back)  # whole weeks: weekdays stay weekdays
        moved_occurrences = [
            {
                **{k: v for k, v in row.items() if k != "id"},
                "occurrence_key": f"{row['occurrence_key']}:-{back}",
                "scheduled_for": row["scheduled_for"] - shift,
                "fired_at": row["fired_at"] - shift,
            }
            for row in occurrences
        ]
        moved_notifications = [
            {
                **{k: v for k, v in row.items() if k != "id"},
                "idempotency_key": f"{row['idempotency_key']}:-{back}",
                "created_at": row["created_at"] - shift,
                "not_before": row["not_before"] - shift,
                "status": "skickad",
            }
            for row in notifications
        ]
        with engine.begin() as connection:
            connection.execute(sa.insert(table_of(TriggerOccurrence)), moved_occurrences)
            connection.execute(sa.insert(table_of(Notification)), moved_notifications)
        added += len(moved_occurrences) + len(moved_notifications)
    engine.dispose()
    return added


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    value = function()
    return value, time.perf_counter() - began


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kommuner", type=int, default=290)
    parser.add_argument("--year", type=int, default=2027)
    parser.add_argument("--database", help="a PostgreSQL server URL (own databases are created and dropped)")
    parser.add_argument("--no-prefect", action="store_true", help="skip measuring Prefect's overhead")
    parser.add_argument("--documents", action="store_true", help="also render packets and reports")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of the code to compare with (SQLite only): each production morning also runs with its "
        "samverkan package on a copy of the same database, printed side by side",
    )
    parser.add_argument("--production-day", help=argparse.SUPPRESS)  # the child process of one production day
    args = parser.parse_args()
    if args.production_day:
        run_production_day(args.production_day, args.documents)
        return
    if args.before and args.database:
        parser.error("--before compares on SQLite only (it copies the database file)")

    from generate import kommun_yaml

    from samverkan.core.timeutil import STOCKHOLM
    from samverkan.orgconfig.validate import validate_text
    from samverkan.services.simulation import simulate

    global source_url
    backend = "PostgreSQL" if args.database else "SQLite"
    scratch = Path(tempfile.mkdtemp(prefix="bench-year-"))
    try:
        with databases(args.database, scratch, 2) as (year_url, floor_url):
            source_url = year_url
            print(f"load average at start: {load()} (2 cores shared; figures are wall clock unless CPU is said)")
            configs, validation = timed(
                lambda: [validate_text(kommun_yaml(n, args.year), f"k{n}.yaml") for n in range(args.kommuner)]
            )
            assert all(c.ok for c in configs), [str(i) for c in configs for i in c.errors][:5]
            out = scratch / "documents" if args.documents else None
            year_cpu = time.process_time()
            result, year = timed(
                lambda: simulate(
                    configs, date(args.year, 1, 1), date(args.year, 12, 31), out_dir=out, database_url=year_url
                )
            )
            year_cpu = time.process_time() - year_cpu
            summary = result.result.to_dict()
            sweeps = sorted(result.sweep_seconds)
            print(f"kommuner: {args.kommuner}, database: {backend}")
            print(f"validation of the {args.kommuner} files: {validation:.1f} s")
            print(
                f"simulated year {args.year} (load, cycle start, 365 daily sweeps): {year:.1f} s "
                f"(this process's CPU: {year_cpu:.1f} s)"
            )
            print(f"  THE YEAR INCLUDING VALIDATION ({backend}): {validation + year:.1f} s; load average {load()}")
            print(f"  of which daily sweeps: {sum(sweeps):.1f} s")
            print(
                f"  of which setup (load of the {args.kommuner} files, cycle starts, their first phases announced): "
                f"{year - sum(sweeps):.1f} s wall, {year_cpu - sum(result.sweep_cpu):.1f} s CPU"
            )
            print(f"  triggers fired: {sum(summary['triggers'].values())} {summary['triggers']}")
            print(f"  notifications recorded: {summary['notifications_total']}; documents: {len(summary['packets'])}")
            print(
                f"simulation path, one daily sweep (cached organisations, no lookback): median "
                f"{statistics.median(sweeps) * 1000:.0f} ms, p95 {sweeps[int(len(sweeps) * 0.95)] * 1000:.0f} ms, "
                f"max {sweeps[-1] * 1000:.0f} ms (wall); CPU median {statistics.median(result.sweep_cpu) * 1000:.0f} ms"
            )

            mornings, before = [], []
            code = before_code(args.before, scratch) if args.before else None
            for offset in range(1, PRODUCTION_DAYS + 1):
                moment = datetime.combine(date(args.year + 1, 1, 1) + timedelta(days=offset), datetime.min.time())
                moment = moment.replace(hour=6, minute=30, tzinfo=STOCKHOLM)
                data = scratch / "data" if args.documents else None
                if code is not None:  # the same morning on the same state, with the code before the change
                    copy = sqlite_copy(year_url, scratch / f"before-{offset}.db")
                    before.append(production_day(copy, moment, data, code))
                mornings.append(production_day(year_url, moment, data))
            print(
                f"PRODUCTION DAY (fresh process, flows/runtime.run_sweep → catch_up, all kinds, lookback from "
                f"{mornings[0]['from']}), {PRODUCTION_DAYS} mornings in January {args.year + 1}"
            )
            print(summary_line("  this checkout", mornings))
            if before:
                print(summary_line(f"  before ({args.before})", before))
                same = all(
                    (b["notifications"], b["triggers"]) == (m["notifications"], m["triggers"])
                    for b, m in zip(before, mornings, strict=True)
                )
                ratio = statistics.median(m["cpu"] for m in mornings) / statistics.median(b["cpu"] for b in before)
                print(f"  CPU this/before: {ratio:.2f}; same triggers and notifications every morning: {same}")
            print(
                "  per morning: "
                + "; ".join(
                    f"{m['triggers']} triggers, {m['notifications']} notifications, {m['already_done']} already "
                    f"done, {m['documents']} documents"
                    for m in mornings
                )
            )
            print(
                f"  beside the simulation path's day: median {statistics.median(sweeps) * 1000:.0f} ms wall; "
                f"load average {load()}"
            )

            occurrences, notifications = rows_of(year_url)
            occurrences = [o for o in occurrences if o["fired_at"].astimezone(STOCKHOLM).year == args.year]
            notifications = [n for n in notifications if n["created_at"].astimezone(STOCKHOLM).year == args.year]
            floor, floor_cpu = raw_insert_floor(floor_url, occurrences, notifications)
            sweeps_cpu = sum(result.sweep_cpu)
            print(
                f"raw-insert floor ({len(occurrences)} trigger_occurrence + {len(notifications)} notification rows, "
                f"executemany, one transaction per day): {floor:.1f} s wall, {floor_cpu:.1f} s CPU of this process"
            )
            print(
                f"  THE YEAR'S SWEEPS / FLOOR: wall {sum(sweeps):.1f} s / {floor:.1f} s = {sum(sweeps) / floor:.2f}; "
                f"CPU {sweeps_cpu:.1f} s / {floor_cpu:.1f} s = {sweeps_cpu / floor_cpu:.2f}; load average {load()}"
            )

            today = date(args.year + 1, 1, 1) + timedelta(days=PRODUCTION_DAYS)
            one_year, found = fired_query(year_url, today)
            added = add_history(year_url, occurrences, notifications, HISTORY_YEARS - 1)
            five_years, found_again = fired_query(year_url, today)
            assert found == found_again, (found, found_again)  # the older years lie outside the query's window
            print(
                f'"already fired" query (all {args.kommuner} organisations, 8 days back, {found} rows): '
                f"{one_year * 1000:.1f} ms over 1 year of history, {five_years * 1000:.1f} ms over "
                f"{HISTORY_YEARS} years ({added} rows added); ratio {five_years / one_year:.2f}"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # the benchmark leaves no temporary folder behind
    if not args.no_prefect:
        overhead = prefect_overhead(runs=10)
        print(
            f"one Prefect flow run (ephemeral server, trivial flow): median {overhead['default'] * 1000:.0f} ms; "
            f"with heartbeat off {overhead['heartbeat_off'] * 1000:.0f} ms; "
            f"first run incl. server start {overhead['first_run_with_server_start']:.1f} s"
        )
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
