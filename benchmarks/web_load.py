"""Load check of the web app: 20 concurrent users, each a coordinator in their own kommun, loading "Mitt arbete"
and marking checklist items complete (a real POST through CSRF, the service layer and the outbox, and the redirect
to the cycle page it answers with, followed and timed) against a running server (uvicorn in its own process).

    .venv/bin/python benchmarks/web_load.py                        # SQLite, 1 worker, shipped and 400-item cases
    .venv/bin/python benchmarks/web_load.py --workers 2 --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Every user logs in before the timed window opens (Argon2 is not what is measured). Each loop also fetches the
stylesheet, the floor: the same server, network stack and load without the application; figures are printed
beside the floor's and as a ratio. Server CPU per request is the server's process tree's CPU over the window
divided by the requests. Cases: `shipped` (the process definition Samverkan ships) and `stress` (a phase of 400
items). Targets (issue 19): p95 ≤ 50 ms shipped, ≤ 100 ms stress.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from generate import kommun_yaml

PASSWORD = "Belastning-och-matning-2026"
ITEMS = 400
DEFINITION = (
    """key: belastning
name: Belastningsprov
version: 1
phases:
  - key: arbete
    name: Arbete
    duration_days: 90
    items:
"""
    + "".join(
        f"      - {{key: punkt-{i}, title: Punkt {i}, owner: samordnare, evidence: lank}}\n" for i in range(ITEMS)
    )
    + """  - key: uppfoljning
    name: Uppföljning
    items:
      - {key: rapport, title: Rapport, owner: samordnare, evidence: lank}
"""
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Evidence = dict[str, str]  # one item's completion form, without its CSRF token


def prepare(url: str, users: int, definition: str | None) -> list[dict[str, Evidence]]:
    """Each user's kommun with a running cycle and a recorded decision of its styrgrupp; per user, the evidence
    each checklist item asks for (a decision by its number, else a dated document or link), so that every
    completion the benchmark sends is one the service accepts."""
    from sqlmodel import col, select

    from samverkan.core.timeutil import today_local
    from samverkan.database import make_engine, session_scope, upgrade
    from samverkan.models import Account, ChecklistItem, Person, Phase
    from samverkan.models.enums import EvidenceKind
    from samverkan.orgconfig.loader import load_config
    from samverkan.orgconfig.validate import validate_text
    from samverkan.services import accounts, cycle
    from samverkan.services.actor import Actor
    from samverkan.services.agreements import record_decision
    from samverkan.services.inputs import RecordDecision, StartCycle

    engine = make_engine(url)
    upgrade(engine)
    hashed = accounts.hash_password(PASSWORD)
    evidence: list[dict[str, Evidence]] = []
    for n in range(users):
        result = validate_text(kommun_yaml(n, date.today().year), f"k{n}.yaml")
        assert result.ok, [str(i) for i in result.issues][:3]
        with session_scope(engine) as session:
            load_config(session, result)
            person = session.exec(select(Person).where(Person.email == f"samordnare@k{n}.example")).one()
            session.add(Account(person_id=person.id, password_hash=hashed))
        with session_scope(engine) as session:
            who = Actor(f"k{n}", f"samordnare@k{n}.example", today_local())
            given = StartCycle(definition_key=definition) if definition else StartCycle()
            started = cycle.start_cycle(session, who, given)
            decision = record_decision(
                session, who, RecordDecision(body_key="styrgrupp", title="Samverkan", text="Styrgruppen beslutar.")
            )
            items = session.exec(
                select(ChecklistItem.id, ChecklistItem.evidence_kind)
                .join(Phase, col(Phase.id) == ChecklistItem.phase_id)
                .where(Phase.cycle_id == started.id)
            ).all()
        day = today_local().isoformat()
        evidence.append(
            {
                str(item_id): {"title": "Styrgruppens beslut", "decision_id": str(decision.number)}
                if kind == EvidenceKind.DECISION
                else {"title": "Genomfört", "uri": f"https://intranat.example/k{n}/{item_id}", "dated_on": day}
                for item_id, kind in items
            }
        )
    engine.dispose()
    return evidence


class User(threading.Thread):
    """One coordinator: logs in (untimed), waits for the window to open, then loads Mitt arbete and completes
    items, following each redirect."""

    def __init__(self, base: str, n: int, think: float, window: Window, evidence: dict[str, Evidence]) -> None:
        super().__init__(daemon=True)
        self.base, self.n, self.think, self.window, self.evidence = base, n, think, window, evidence
        self.errors: list[str] = []

    def timed(self, kind: str, call: object) -> httpx.Response:
        began = time.perf_counter()
        response = call()  # type: ignore[operator]
        if self.window.open:
            self.window.timings[kind].append((time.perf_counter() - began) * 1000)
        return response

    def login(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=30, follow_redirects=True)
        page = client.get("/logga-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        answer = client.post(
            "/logga-in", data={"email": f"samordnare@k{self.n}.example", "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 200 and "Mitt arbete" in answer.text, answer.status_code
        return client

    def run(self) -> None:
        client = self.login()
        self.window.ready.wait()
        rng = random.Random(self.n)
        # people do not act in lockstep: each user's first request falls somewhere in the first pause, as it would
        # in a steady state (a closed loop started all at once measures its own start-up burst instead)
        time.sleep(rng.uniform(0, self.think * 2))
        refused: set[str] = set()  # items the service refused: not tried again (counted as errors)
        while time.monotonic() < self.window.until:
            self.timed("golv", lambda: client.get("/static/style.css"))
            work = self.timed("mitt-arbete", lambda: client.get("/mitt-arbete"))
            if work.status_code != 200:
                self.errors.append(f"mitt-arbete {work.status_code}")
                continue
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', work.text).group(1)  # type: ignore[union-attr]
            items = [i for i in re.findall(rf"/org/k{self.n}/punkt/(\d+)", work.text) if i not in refused]
            if not items:  # nothing left this user may complete: it keeps reading its work
                time.sleep(rng.uniform(self.think * 0.5, self.think * 1.5))
                continue
            time.sleep(rng.uniform(self.think * 0.5, self.think * 1.5))
            item = rng.choice(items)
            form = {"csrf_token": csrf, **self.evidence[item]}
            answer = self.timed(
                "markera-klar", lambda item=item, form=form: client.post(f"/org/k{self.n}/punkt/{item}", data=form)
            )
            if answer.status_code == 422:
                refused.add(item)
                self.errors.append(f"markera-klar vägrad (422: {refusal(answer.text)})")
            elif answer.status_code != 200 or not answer.history:
                self.errors.append(f"markera-klar {answer.status_code}")
            time.sleep(rng.uniform(self.think * 0.5, self.think * 1.5))


class Window:
    """The timed window: opens when every user has logged in."""

    def __init__(self, users: int, seconds: float, server: int) -> None:
        self.seconds, self.server = seconds, server
        self.ready = threading.Barrier(users + 1, action=self.start)
        self.until, self.cpu = 0.0, 0.0
        self.open = False
        self.timings: dict[str, list[float]] = {"golv": [], "mitt-arbete": [], "markera-klar": []}

    def start(self) -> None:
        """Run once, when the last user has logged in: the window opens."""
        self.cpu = tree_cpu(self.server)
        self.until = time.monotonic() + self.seconds
        self.open = True


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and every process below it, from /proc."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu.get(p, 0.0) for p in tree)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def database_for(database: str | None, work: Path) -> tuple[str, str | None]:
    """The URL to use and, on PostgreSQL, the fresh schema created for this run."""
    if database and database.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with sa.create_engine(database).begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        return f"{database}{'&' if '?' in database else '?'}options=-csearch_path%3D{schema}", schema
    return f"sqlite:///{work / 'samverkan.db'}", None


def remove_work(work: Path, database: str | None, schema: str | None) -> None:
    """What database_for and the run made: the PostgreSQL schema, if any, and the temporary folder."""
    if schema and database:
        with sa.create_engine(database).begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    shutil.rmtree(work, ignore_errors=True)


def start_server(url: str, work: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "SAMVERKAN_DATABASE_URL": url, "SAMVERKAN_DATA_DIR": str(work / "data"),
           "SAMVERKAN_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "samverkan.web.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)],
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/logga-in", timeout=1)
            return server, port
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def refusal(page: str) -> str:
    """The refusal's text on the page shown again."""
    found = re.search(r'class="error"[^>]*>(.*?)<', page, re.S)
    return " ".join(found.group(1).split())[:120] if found else "okänt skäl"


def load(
    port: int, users: int, seconds: float, think: float, server: int, evidence: list[dict[str, Evidence]]
) -> tuple[Window, list[str], float]:
    window = Window(users, seconds, server)
    crowd = [User(f"http://127.0.0.1:{port}", n, think, window, evidence[n]) for n in range(users)]
    for user in crowd:
        user.start()
    window.ready.wait()
    for user in crowd:
        user.join()
    window.open = False
    return window, [e for user in crowd for e in user.errors], tree_cpu(server) - window.cpu


def report(window: Window, errors: list[str], cpu: float, seconds: float, target: float) -> None:
    timings = window.timings
    floor = percentile(timings["golv"], 0.95)
    app = [t for kind, values in timings.items() if kind != "golv" for t in values]
    every = len(app) + len(timings["golv"])
    print(f"  {len(app)} application requests ({len(app) / seconds:.0f}/s) + {len(timings['golv'])} floor requests; "
          f"server CPU {cpu:.1f} s = {1000 * cpu / max(1, every):.1f} ms per request")  # fmt: skip
    for kind, values in [*timings.items(), ("alla (utan golv)", app)]:
        p95 = percentile(values, 0.95)
        print(
            f"  {kind:17} n={len(values):5}  p50 {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms  "
            f"max {max(values):7.1f} ms  p95 × golv {p95 / floor:5.1f}"
        )
    print(f"  errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
    p95 = percentile(app, 0.95)
    print(f"  target p95 ≤ {target:.0f} ms: {'met' if p95 <= target else 'NOT met'} ({p95:.1f} ms)")


def run_case(case: str, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    url, schema = database_for(args.database, work)
    server = None
    try:
        (work / "processer").mkdir()
        (work / "processer" / "belastning.yaml").write_text(DEFINITION, encoding="utf-8")
        os.environ["SAMVERKAN_PROCESS_DIR"] = str(work / "processer")
        began = time.perf_counter()
        evidence = prepare(url, args.users, "belastning" if case == "stress" else None)
        load_avg = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"[{case}] database {url.split('?')[0].split('://')[0]}, {args.workers} worker(s), {args.users} users, "
              f"{args.seconds:.0f} s, pause {args.think} s; prepared in {time.perf_counter() - began:.1f} s; "
              f"load average {load_avg}")  # fmt: skip
        server, port = start_server(url, work, args.workers)
        window, errors, cpu = load(port, args.users, args.seconds, args.think, server.pid, evidence)
        report(window, errors, cpu, args.seconds, 100 if case == "stress" else 50)
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        remove_work(work, args.database, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--think", type=float, default=0.4, help="mean pause between a user's requests, seconds")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--case", choices=["shipped", "stress", "both"], default="both")
    args = parser.parse_args()
    for case in ("shipped", "stress") if args.case == "both" else (args.case,):
        run_case(case, args)


if __name__ == "__main__":
    main()
