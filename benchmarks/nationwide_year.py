"""Benchmark: 290 kommuner with realistic bodies and cadences, a simulated year, the engine time of one daily
sweep over all of them, and the measured overhead of one Prefect flow run beside it.

    .venv/bin/python benchmarks/nationwide_year.py [--kommuner 290] [--no-prefect] [--documents]

Targets (issue "Schedules and Prefect flows"): the nationwide year ≤ 30 s on a 2-core machine; one sweep's
engine time ≤ the overhead of one Prefect flow run.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import kommun_yaml

from samverkan.orgconfig.validate import validate_text
from samverkan.services.simulation import simulate


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommuner", type=int, default=290)
    parser.add_argument("--year", type=int, default=2027)
    parser.add_argument("--no-prefect", action="store_true", help="skip measuring Prefect's overhead")
    parser.add_argument("--documents", action="store_true", help="also render packets and reports")
    args = parser.parse_args()

    began = time.perf_counter()
    configs = [validate_text(kommun_yaml(n, args.year), f"k{n}.yaml") for n in range(args.kommuner)]
    assert all(c.ok for c in configs), [str(i) for c in configs for i in c.errors][:5]
    generated = time.perf_counter() - began

    out = Path(tempfile.mkdtemp(prefix="bench-docs-")) if args.documents else None
    began = time.perf_counter()
    result = simulate(configs, date(args.year, 1, 1), date(args.year, 12, 31), out_dir=out)
    wall = time.perf_counter() - began
    summary = result.result.to_dict()
    sweeps = sorted(result.sweep_seconds)
    engine = {"median": statistics.median(sweeps), "p95": sweeps[int(len(sweeps) * 0.95)], "max": sweeps[-1]}

    print(f"kommuner: {args.kommuner} (files generated and validated in {generated:.1f} s)")
    print(f"simulated year {args.year}: wall {wall:.1f} s (load, cycle start and 365 daily sweeps)")
    print(f"  the year including validation of the files: {generated + wall:.1f} s; load average "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))  # fmt: skip
    print(f"  of which daily sweeps: {sum(sweeps):.1f} s")
    print(f"  triggers fired: {sum(summary['triggers'].values())} {summary['triggers']}")
    print(f"  notifications recorded: {summary['notifications_total']}")
    print(f"  documents rendered: {len(summary['packets'])}")
    print(
        f"one daily sweep over all kommuner (engine time): median {engine['median'] * 1000:.0f} ms, "
        f"p95 {engine['p95'] * 1000:.0f} ms, max {engine['max'] * 1000:.0f} ms"
    )
    if out is not None:
        shutil.rmtree(out, ignore_errors=True)  # the benchmark leaves no temporary folder behind
    if not args.no_prefect:
        overhead = prefect_overhead(runs=10)
        print(
            f"one Prefect flow run (ephemeral server, trivial flow): median {overhead['default'] * 1000:.0f} ms; "
            f"with heartbeat off {overhead['heartbeat_off'] * 1000:.0f} ms; "
            f"first run incl. server start {overhead['first_run_with_server_start']:.1f} s"
        )
        print(
            f"sweep engine time / flow-run overhead: {engine['median'] / overhead['default']:.2f} "
            f"(heartbeat off: {engine['median'] / overhead['heartbeat_off']:.2f})"
        )


if __name__ == "__main__":
    main()
