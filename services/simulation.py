"""Preview a period before going live: the organisation's file, a throwaway database and a simulated clock.

Every day of the period gets its morning sweep, in order; a cycle is started on the first day (so the
checklist deadlines give reminders and escalations as if nobody did anything); packets and reports are
rendered into a folder; notifications are recorded in the throwaway outbox and never sent.
"""

from __future__ import annotations

import tempfile
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import select

from samverkan.core.issues import ConfigError
from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import make_engine, session_scope, upgrade
from samverkan.models import Role
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import ValidationResult
from samverkan.services.access import holders
from samverkan.services.actor import Actor
from samverkan.services.cycle import start_cycle as begin
from samverkan.services.errors import ServiceError
from samverkan.services.overview import find_organisation
from samverkan.services.sweep import SweepCache, SweepResult, sweep

SWEEP_AT = time(6, 0)


@dataclass
class Simulation:
    organisations: list[str]
    first: date
    last: date
    result: SweepResult
    cycle_started_by: dict[str, str]
    sweep_seconds: list[float] = field(default_factory=list)  # engine time of each daily sweep

    def to_dict(self) -> dict[str, object]:
        return {
            "organisations": self.organisations,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "cycle_started_by": self.cycle_started_by,
            **self.result.to_dict(),
        }


def simulate(
    configs: list[ValidationResult],
    first: date,
    last: date,
    out_dir: Path | None = None,
    start_cycle: bool = True,
    database_url: str | None = None,
    pdf: bool = False,
) -> Simulation:
    """Run the engine over [first, last] for the given (validated) organisation files."""

    with tempfile.TemporaryDirectory(prefix="samverkan-sim-") as scratch:
        engine = make_engine(database_url or f"sqlite:///{Path(scratch) / 'simulering.db'}")
        upgrade(engine)
        keys, started = [], {}
        for config in configs:
            if not config.ok:
                raise ConfigError(config.errors)
            with session_scope(engine) as session:
                keys.append(load_config(session, config).organisation_key)
        if start_cycle:
            for key in keys:
                with session_scope(engine) as session:
                    actor = _a_coordinator(session, key, first)
                    if actor is None:
                        continue
                    try:
                        begin(session, Actor(key, actor, first, datetime.combine(first, SWEEP_AT, tzinfo=STOCKHOLM)))
                        started[key] = actor
                    except ServiceError as exc:
                        started[key] = f"ingen cykel: {exc}"
        total, durations, cache = SweepResult(), [], SweepCache()
        day = first
        while day <= last:
            began = clock.perf_counter()
            with session_scope(engine) as session:
                moment = datetime.combine(day, SWEEP_AT, tzinfo=STOCKHOLM)
                total.merge(
                    sweep(session, moment, org_keys=keys, lookback_days=0, documents_dir=out_dir, cache=cache, pdf=pdf)
                )
            durations.append(clock.perf_counter() - began)
            day += timedelta(days=1)
        engine.dispose()
    return Simulation(keys, first, last, total, started, durations)


def _a_coordinator(session: object, key: str, on: date) -> str | None:

    org = find_organisation(session, key)  # type: ignore[arg-type]
    for role in session.exec(
        select(Role)
        .where(Role.organisation_id == org.id, Role.function == "samordnare")  # type: ignore[attr-defined]
        .order_by(Role.key)
    ).all():
        people = holders(session, role, on)  # type: ignore[arg-type]
        if people:
            return people[0].email
    return None
