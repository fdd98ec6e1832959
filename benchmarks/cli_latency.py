"""Benchmark: how fast the command line answers, against a bare Python start measured in the same run.

    .venv/bin/python benchmarks/cli_latency.py [--runs 10]

Each case runs --runs times, the cases alternating so that the machine's load falls on all of them alike.
Printed per case: median wall time, median CPU time (user + system of the child), and the ratio of the wall
time to the floor (`python -c pass`). Targets (issue 19): `samverkan --help` ≤ 0.15 s, `validate` of one
file ≤ 0.4 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = str(ROOT / "examples" / "fagersta.yaml")
CASES: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "samverkan --help": [str(BIN / "samverkan"), "--help"],
    "samverkan validate": [str(BIN / "samverkan"), "validate", EXAMPLE],
    "samverkan calendar": [str(BIN / "samverkan"), "calendar", EXAMPLE, "--from", "2026-01-01", "--to", "2026-12-31"],
}
TARGETS = {"samverkan --help": 0.15, "samverkan validate": 0.4}


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (the child's user + system) of one run; a failing command stops the benchmark."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def measure(runs: int) -> dict[str, tuple[list[float], list[float]]]:
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in CASES}
    for command in CASES.values():  # one warm-up each: file caches, .pyc files
        timed(command)
    for _ in range(runs):
        for name, command in CASES.items():
            wall, cpu = timed(command)
            results[name][0].append(wall)
            results[name][1].append(cpu)
    return results


def report(results: dict[str, tuple[list[float], list[float]]]) -> None:
    floor = statistics.median(results["python -c pass"][0])
    print(f"{'case':<22}{'wall (median)':>15}{'CPU (median)':>15}{'× floor':>10}  target")
    for name, (walls, cpus) in results.items():
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≤ {target:.2f} s: {'met' if wall <= target else 'NOT met'}"
        print(f"{name:<22}{wall:>13.3f} s{cpu:>13.3f} s{wall / floor:>9.1f}×  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs per case (default 10)")
    runs = parser.parse_args().runs
    load = os.getloadavg()
    print(f"CLI latency: {runs} runs per case, alternating; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    report(measure(runs))


if __name__ == "__main__":
    main()
