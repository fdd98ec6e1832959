"""Load check of the web app: 20 concurrent users, each a coordinator in their own kommun, loading "Mitt arbete"
and marking checklist items complete (a real POST through CSRF, the service layer and the outbox) against a
running server (uvicorn in its own process, one worker: the default deployment). Prints p50/p95/max per kind.

    .venv/bin/python benchmarks/web_load.py                      # SQLite (the embedded default)
    .venv/bin/python benchmarks/web_load.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Users pause 0.2–0.6 s between requests (far busier than people); --think 0 shows the saturated server.
Target: p95 ≤ 50 ms on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import re
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


def prepare(url: str, users: int, process_dir: Path) -> None:
    from sqlmodel import select

    from samverkan.core.timeutil import today_local
    from samverkan.database import make_engine, session_scope, upgrade
    from samverkan.models import Account, Person
    from samverkan.orgconfig.loader import load_config
    from samverkan.orgconfig.validate import validate_text
    from samverkan.services import accounts, cycle
    from samverkan.services.actor import Actor
    from samverkan.services.inputs import StartCycle

    engine = make_engine(url)
    upgrade(engine)
    hashed = accounts.hash_password(PASSWORD)
    for n in range(users):
        result = validate_text(kommun_yaml(n, date.today().year), f"k{n}.yaml")
        assert result.ok, [str(i) for i in result.issues][:3]
        with session_scope(engine) as session:
            load_config(session, result)
            person = session.exec(select(Person).where(Person.email == f"samordnare@k{n}.example")).one()
            session.add(Account(person_id=person.id, password_hash=hashed))
        with session_scope(engine) as session:
            who = Actor(f"k{n}", f"samordnare@k{n}.example", today_local())
            cycle.start_cycle(session, who, StartCycle(definition_key="belastning"))
    engine.dispose()


class User(threading.Thread):
    def __init__(self, base: str, n: int, until: float, think: float, timings: dict[str, list[float]]) -> None:
        super().__init__(daemon=True)
        self.base, self.n, self.until, self.think, self.timings = base, n, until, think, timings
        self.errors: list[str] = []

    def timed(self, kind: str, call: object) -> httpx.Response:
        began = time.perf_counter()
        response = call()  # type: ignore[operator]
        self.timings[kind].append((time.perf_counter() - began) * 1000)
        return response

    def run(self) -> None:
        client = httpx.Client(base_url=self.base, timeout=30)
        page = client.get("/logga-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post(
            "/logga-in", data={"email": f"samordnare@k{self.n}.example", "password": PASSWORD, "csrf_token": token}
        )
        rng = random.Random(self.n)
        while time.monotonic() < self.until:
            work = self.timed("mitt-arbete", lambda: client.get("/mitt-arbete"))
            if work.status_code != 200:
                self.errors.append(f"mitt-arbete {work.status_code}")
                continue
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', work.text).group(1)  # type: ignore[union-attr]
            items = re.findall(rf"/org/k{self.n}/punkt/(\d+)", work.text)
            if not items:
                break
            time.sleep(rng.uniform(self.think * 0.5, self.think * 1.5))
            item = rng.choice(items)
            form = {"csrf_token": csrf, "title": "Genomfört", "uri": f"https://intranat.example/k{self.n}/{item}"}
            answer = self.timed(
                "markera-klar", lambda item=item, form=form: client.post(f"/org/k{self.n}/punkt/{item}", data=form)
            )
            if answer.status_code != 303:
                self.errors.append(f"markera-klar {answer.status_code}")
            time.sleep(rng.uniform(self.think * 0.5, self.think * 1.5))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=0.4, help="mean pause between a user's requests, seconds")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    schema = None
    if args.database and args.database.startswith("postgresql"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(args.database)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.database}{'&' if '?' in args.database else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{work / 'samverkan.db'}"
    (work / "processer").mkdir()
    (work / "processer" / "belastning.yaml").write_text(DEFINITION, encoding="utf-8")
    os.environ["SAMVERKAN_PROCESS_DIR"] = str(work / "processer")
    began = time.perf_counter()
    prepare(url, args.users, work / "processer")
    print(f"database: {url.split('?')[0]}; {args.users} kommuner with {ITEMS} items each, "
          f"prepared in {time.perf_counter() - began:.1f} s")  # fmt: skip

    port = free_port()
    env = {**os.environ, "SAMVERKAN_DATABASE_URL": url, "SAMVERKAN_DATA_DIR": str(work / "data"),
           "SAMVERKAN_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "samverkan.web.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/logga-in", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        timings: dict[str, list[float]] = {"mitt-arbete": [], "markera-klar": []}
        until = time.monotonic() + args.seconds
        users = [User(f"http://127.0.0.1:{port}", n, until, args.think, timings) for n in range(args.users)]
        for user in users:
            user.start()
        for user in users:
            user.join()
        total = sum(len(v) for v in timings.values())
        print(f"{args.users} users for {args.seconds:.0f} s, mean pause {args.think} s: {total} requests "
              f"({total / args.seconds:.0f}/s)")  # fmt: skip
        every = [t for values in timings.values() for t in values]
        for kind, values in [*timings.items(), ("alla", every)]:
            print(
                f"  {kind:13} n={len(values):5}  p50 {statistics.median(values):6.1f} ms  "
                f"p95 {percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
            )
        errors = [e for user in users for e in user.errors]
        print(f"  errors: {len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""))
        p95 = percentile(every, 0.95)
        print(f"target p95 ≤ 50 ms: {'met' if p95 <= 50 else 'NOT met'} ({p95:.1f} ms)")
    finally:
        server.terminate()
        server.wait(10)
        if schema:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
