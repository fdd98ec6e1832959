"""Aggregates only: the one rule for small counts in anything that leaves the group that made it."""

from __future__ import annotations

SUPPRESSION_THRESHOLD = 3


def shown_count(count: int, threshold: int = SUPPRESSION_THRESHOLD) -> str:
    """A count fit for a shared report: counts from 1 to threshold-1 are shown as '<threshold'."""
    if 0 < count < threshold:
        return f"<{threshold}"
    return str(count)
