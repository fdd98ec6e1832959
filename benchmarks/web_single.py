"""One request at a time, in-process: what Mitt arbete and "markera klar" (the POST and the cycle page it
redirects to, also timed apart) cost on their own, in wall time, CPU and SQL statements, with no queue in front of
them. The floor is the stylesheet through the same app. Complements web_load.py (which measures the queue at 20 users).

    .venv/bin/python benchmarks/web_single.py                     # SQLite, shipped and 400-item cases
    .venv/bin/python benchmarks/web_single.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Where the time goes (py-spy is not a dependency: `.venv/bin/pip install py-spy`):
`.venv/bin/py-spy record --format raw -o web.txt -- .venv/bin/python benchmarks/web_single.py --rounds 300`
(the app runs in the TestClient's threads, which cProfile would not see).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from web_load import DEFINITION, PASSWORD, database_for, prepare, remove_work


class Statements:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


def timed(statements: Statements, call: Any) -> tuple[float, float, int, Any]:
    """Wall and CPU milliseconds (the process's, every thread: one request at a time), statements, the answer."""
    before = statements.count
    began, cpu = time.perf_counter(), time.process_time()
    answer = call()
    wall, cpu = (time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000
    return wall, cpu, statements.count - before, answer


def run_case(case: str, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-single-"))
    url, schema = database_for(args.database, work)
    try:
        (work / "processer").mkdir()
        (work / "processer" / "belastning.yaml").write_text(DEFINITION, encoding="utf-8")
        os.environ["SAMVERKAN_PROCESS_DIR"] = str(work / "processer")
        evidence = prepare(url, 1, "belastning" if case == "stress" else None)[0]

        from samverkan.core.settings import Settings
        from samverkan.database import pooled_engine
        from samverkan.web.app import create_app
        from samverkan.web.state import LOOKUP_THREADS

        settings = Settings(database_url=url, data_dir=str(work / "data"), base_url="http://testserver")
        engine = pooled_engine(url, settings.web_threads + LOOKUP_THREADS + 2)  # as web/app.py's
        statements = Statements()
        sa.event.listen(engine, "before_cursor_execute", statements)
        app = create_app(settings, engine)
        figures: dict[str, list[tuple[float, float, int]]] = {
            "golv": [], "mitt-arbete": [], "markera-klar": [], "  POST": [], "  cykelsidan": []
        }  # fmt: skip
        with TestClient(app, base_url="http://testserver") as client:
            page = client.get("/logga-in").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            client.post("/logga-in", data={"email": "samordnare@k0.example", "password": PASSWORD,
                                           "csrf_token": token})  # fmt: skip
            done: set[str] = set()
            for _round in range(args.rounds):
                ms, cpu, n, _ = timed(statements, lambda: client.get("/static/style.css"))
                figures["golv"].append((ms, cpu, n))
                ms, cpu, n, work_page = timed(statements, lambda: client.get("/mitt-arbete"))
                figures["mitt-arbete"].append((ms, cpu, n))
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', work_page.text).group(1)  # type: ignore[union-attr]
                items = [i for i in re.findall(r"/org/k0/punkt/(\d+)", work_page.text) if i not in done]
                if items:
                    item = items[0]
                    form = {"csrf_token": csrf, **evidence[item]}
                    ms, cpu, n, answer = timed(
                        statements,
                        lambda item=item, form=form: client.post(
                            f"/org/k0/punkt/{item}", data=form, follow_redirects=False
                        ),
                    )
                    assert answer.status_code == 303, answer.status_code
                    figures["  POST"].append((ms, cpu, n))
                    shown = timed(statements, lambda answer=answer: client.get(answer.headers["location"]))
                    assert shown[3].status_code == 200 and "är klar" in shown[3].text, shown[3].status_code
                    figures["  cykelsidan"].append(shown[:3])
                    figures["markera-klar"].append((ms + shown[0], cpu + shown[1], n + shown[2]))
                    done.add(item)
        engine.dispose()
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"[{case}] {url.split('?')[0].split('://')[0]}, {args.rounds} rounds, load average {load}")
        floor = statistics.median(cpu for _, cpu, _ in figures["golv"])
        for kind, values in figures.items():
            if not values:
                continue
            times, cpus = [ms for ms, _, _ in values], [cpu for _, cpu, _ in values]
            print(f"  {kind:13} n={len(values):3}  wall median {statistics.median(times):6.2f} ms  "
                  f"min {min(times):6.2f} ms  CPU median {statistics.median(cpus):6.2f} ms  "
                  f"statements {statistics.median(n for _, _, n in values):3.0f}  "
                  f"CPU × golv {statistics.median(cpus) / floor:5.1f}")  # fmt: skip
    finally:
        remove_work(work, args.database, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--case", choices=["shipped", "stress", "both"], default="both")
    args = parser.parse_args()
    for case in ("shipped", "stress") if args.case == "both" else (args.case,):
        run_case(case, args)


if __name__ == "__main__":
    main()
