"""SOURCE_DATE_EPOCH, the reproducible-builds convention: the operator's value, told apart from the one the PDF
renderer sets for a moment so that fontTools stamps embedded font subsets reproducibly (services.pdfa).

fontTools reads the variable from the process environment, so the renderer has to put it there while a PDF is
written. Everything else that honours the convention (the .ics DTSTAMP) asks `operator_epoch()`, which ignores the
renderer's value: a calendar file written by another thread during a render keeps its real generation time."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NAME = "SOURCE_DATE_EPOCH"
_LOCK = threading.Lock()
_held_by_renderer = False


def operator_epoch() -> int | None:
    """The operator's SOURCE_DATE_EPOCH in whole seconds, or None (unset, not a number, or only the renderer's)."""
    if _held_by_renderer:
        return None
    value = os.environ.get(NAME, "").strip()
    return int(value) if value.isdigit() else None


@contextmanager
def renderer_epoch(value: str) -> Iterator[None]:
    """Put `value` in the environment for the duration, unless the operator has set one (theirs is kept).
    One holder at a time; the environment is given back as it was."""
    global _held_by_renderer
    if NAME in os.environ and not _held_by_renderer:
        yield
        return
    with _LOCK:
        _held_by_renderer = True
        os.environ[NAME] = value
        try:
            yield
        finally:
            os.environ.pop(NAME, None)
            _held_by_renderer = False
