"""Benchmark: the mutation fuzzer's long run over organisation files, process definitions and CSV files.

    .venv/bin/python benchmarks/fuzz.py [--cases 5000] [--seed 1] [--db URL]

Target (issue 13, "Done when"): zero tracebacks, zero hangs over 2 s (CPU time of the case; the wall clock is
printed beside it) and nothing accepted by `validate` that
`load` refuses. The database is a fresh SQLite file (PostgreSQL's rules checked on every row) unless --db or
SAMVERKAN_TEST_DATABASE_URL names a PostgreSQL server; then a fresh schema there.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from samverkan.database import session_scope
from samverkan.database.engine import make_engine
from samverkan.database.migrate import upgrade
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from tests import fuzzing


def _database(url: str | None, folder: str) -> AbstractContextManager[str]:
    if url and url.startswith("postgresql"):
        os.environ["SAMVERKAN_TEST_DATABASE_URL"] = url
        from tests.conftest import pg_schema

        return pg_schema("fuzz")
    return nullcontext(f"sqlite:///{folder}/fuzz.db")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="organisation files; plus a third as many "
                        "process definitions and half as many CSV files")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default=os.environ.get("SAMVERKAN_TEST_DATABASE_URL"))
    parser.add_argument("--show", type=int, default=3, help="failures shown per kind of input")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _database(args.db, folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            load_config(session, validate_file(fuzzing.EXAMPLES[1]))  # fagersta, for the CSV import
        started = time.perf_counter()
        figures = fuzzing.run(engine, args.seed, args.cases, args.cases // 3, args.cases // 2)
        elapsed = time.perf_counter() - started
        engine.dispose()
    print(f"databas: {url.split('?')[0].split('://')[0]}, frö {args.seed}, {elapsed:.0f} s")
    for what, found in figures.items():
        print(found.line(what))
        for failure in found.failures[: args.show]:
            print("    " + failure.replace("\n", "\n    "))
    total = sum(f.cases for f in figures.values())
    failures = sum(len(f.failures) for f in figures.values())
    print(f"totalt: {total} fall, {failures} fel")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
