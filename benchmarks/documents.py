"""Benchmark: decision packets as PDFs, one after another (the floor: how every document was rendered before),
in the process pool, and again from the cache, side by side in one run.

    .venv/bin/python benchmarks/documents.py [--packets 30] [--workers N]

N generated kommuner (benchmarks/generate.py) each get the beslutsunderlag for their direction decision as the
sweep makes it (HTML from the database, then a tagged PDF/A). Printed: the machine's load and cores, the HTML
time per packet, and per case the wall time, the CPU time and the ratio to the floor:

- one after another: every PDF rendered in this process, empty cache (the floor, and the cost before issue 19);
- pool, cold: the same packets in a new folder (new content to the cache) with the pool's start (spawn, import);
- pool, warm: again new content, the workers already running (a long-lived worker's second batch);
- cache: the first folder's packets again (a sweep run again, a packet requested twice): nothing rendered.

Each case writes its own temporary folder; all are removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import kommun_yaml

from samverkan.database import make_engine, session_scope, upgrade
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.services import pdfa
from samverkan.services.documents import prepare_document
from samverkan.services.packets import packet_action
from samverkan.services.pdfa import PdfJob, Written, write_pdfs

MEETING = date(2027, 3, 11)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


@contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def packets(root: Path, count: int) -> tuple[list[PdfJob], float]:
    """One direction-decision packet per generated kommun: its PDF jobs, and the HTML seconds per packet."""
    engine = make_engine(f"sqlite:///{root / 'bench.db'}")
    upgrade(engine)
    for n in range(count):
        config = validate_text(kommun_yaml(n), f"k{n}.yaml")
        assert config.ok, [str(issue) for issue in config.errors][:3]
        with session_scope(engine) as session:
            load_config(session, config)
    jobs = []
    began = time.perf_counter()
    for n in range(count):
        with session_scope(engine) as session:
            org, body, action = packet_action(session, f"k{n}", "inriktningsbeslut", MEETING, "lokala-bra")
            _, job = prepare_document(session, org, action, root / "html", body, date(2027, 3, 4))
        jobs.append(job)
    engine.dispose()
    return jobs, (time.perf_counter() - began) / count


def into(jobs: list[PdfJob], folder: Path) -> list[PdfJob]:
    """The same packets written to another folder: new content to the cache (the key includes the folder)."""
    moved = [PdfJob(job.html, folder / job.target.parent.name / job.target.name, job.embedded) for job in jobs]
    for job in moved:
        job.target.parent.mkdir(parents=True, exist_ok=True)
    return moved


def timed(run: Callable[[], list[Written]]) -> tuple[float, float, list[Written]]:
    """Wall and CPU seconds of this process (its own work; the pool's workers are counted apart)."""
    before, began = os.times(), time.perf_counter()
    written = run()
    wall, after = time.perf_counter() - began, os.times()
    assert not [w.error for w in written if w.error], [w.error for w in written if w.error][:3]
    return wall, (after.user - before.user) + (after.system - before.system), written


def children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packets", type=int, default=30, help="packets (one per generated kommun; default 30)")
    parser.add_argument("--workers", type=int, default=pdfa.cores(), help="pool size (default: the cores)")
    args = parser.parse_args()
    count, workers = args.packets, args.workers
    print(f"Documents: {count} decision packets; {pdfa.cores()} cores, pool of {workers}; load average {load()}")
    subsetter = pdfa.font_subsetter()
    hint = "" if subsetter == "harfbuzz" else " (with libharfbuzz-subset0 installed a PDF takes about half the CPU)"
    print(f"fonts subset by {subsetter}{hint}")
    with scratch() as root:
        jobs, html_each = packets(root, count)
        print(f"HTML from the database (Jinja2), per packet: {html_each * 1000:.1f} ms")
        pdfa.shutdown_pool()
        sequential = into(jobs, root / "one-by-one")
        floor, floor_cpu, first = timed(lambda: write_pdfs(sequential, workers=1))
        assert all(w.rendered for w in first)
        reaped = children_cpu()
        cold, cold_cpu, _ = timed(lambda: write_pdfs(into(jobs, root / "pool-cold"), workers=workers))
        assert pdfa.pool_workers() == workers, "the pool did not start"
        warm, warm_cpu, _ = timed(lambda: write_pdfs(into(jobs, root / "pool-warm"), workers=workers))
        pdfa.shutdown_pool()  # its workers' CPU is counted once they have exited
        pool_cpu = children_cpu() - reaped
        cached, cached_cpu, again = timed(lambda: write_pdfs(sequential, workers=workers))
        assert not any(w.rendered for w in again), "the cache did not hold"
        pooled = into(jobs, root / "pool-warm")
        same = all(a.target.read_bytes() == b.target.read_bytes() for a, b in zip(sequential, pooled, strict=True))

        print(f"{'case':<34}{'wall':>10}{'per packet':>13}{'× floor':>9}{'CPU here':>11}")
        for name, wall, cpu in (
            ("one after another (floor, before)", floor, floor_cpu),
            ("pool, cold (start included)", cold, cold_cpu),
            ("pool, warm", warm, warm_cpu),
            ("cache (same content again)", cached, cached_cpu),
        ):
            print(f"{name:<34}{wall:>8.2f} s{wall / count * 1000:>10.1f} ms{wall / floor:>8.2f}×{cpu:>9.2f} s")
        print(
            f"CPU per packet one after another: {floor_cpu / count * 1000:.1f} ms; the pool's workers: "
            f"{pool_cpu:.2f} s for both pool cases ({pool_cpu / (2 * count) * 1000:.1f} ms per packet incl. start)"
        )
        print(f"pool output byte-identical to one after another: {'yes' if same else 'NO'}")
    print(f"load average at the end {load()}")


if __name__ == "__main__":
    main()
