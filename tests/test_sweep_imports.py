"""A production sweep process imports only what a day uses (issue 19): every worker process pays its imports.

The day's code path (flows/runtime.run_sweep → services/catchup.catch_up, as benchmarks/nationwide_year.py imports
it) reads organisations from the database, not from files: no YAML reader, no organisation schema, no route
checking, no e-mail or PDF library, no migrations and no Prefect. The PDF module (its process pool) is imported when
documents are written, not before."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import samverkan.services.catchup
from samverkan.flows.runtime import run_sweep
print(" ".join(sorted(sys.modules)))
"""

# Whole libraries (first part of the module name) and our own modules that a sweep without documents never uses.
NOT_IN_A_SWEEP = {
    "yaml",
    "apprise",
    "weasyprint",
    "alembic",
    "prefect",
    "fastapi",
    "multiprocessing",
    "samverkan.core.yaml_source",
    "samverkan.orgconfig.schema",
    "samverkan.orgconfig.validate",
    "samverkan.orgconfig.routes",
    "samverkan.services.pdfa",
    "samverkan.services.documents",
}


def test_the_sweep_process_imports_no_file_reading_route_checking_or_pdf_module() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    assert "samverkan.services.sweep" in loaded and "sqlalchemy" in loaded  # the probe imported the day's code
    found = {name for name in loaded if name in NOT_IN_A_SWEEP or name.split(".")[0] in NOT_IN_A_SWEEP}
    assert not found, sorted(found)
