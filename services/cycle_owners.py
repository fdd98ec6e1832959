"""The refusal to start a cycle in an organisation that runs none (the rule itself: `process/owners.py`)."""

from __future__ import annotations

from samverkan.models import Organisation
from samverkan.process.owners import no_cycle_reason, runs_cycle
from samverkan.services.errors import RefusedError


def require_runs_cycle(organisation: Organisation) -> None:
    """Refused, in Swedish, for an organisation whose kind runs no cycle (a länsstyrelse)."""
    if not runs_cycle(organisation.kind):
        raise RefusedError(no_cycle_reason(organisation.name))
