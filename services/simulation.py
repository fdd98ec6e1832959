"""Preview a period before going live: the organisation's file, a throwaway database and a simulated clock.

Every day of the period gets its morning sweep, in order; a cycle is started on the first day (so the
checklist deadlines give reminders and escalations as if nobody did anything); packets and reports are
rendered into a folder; notifications are recorded in the throwaway outbox and never sent.
"""

from __future__ import annotations

import csv
import tempfile
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.issues import ConfigError
from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import make_engine, session_scope, upgrade
from samverkan.models import Role
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import ValidationResult
from samverkan.scheduling.actions import action_label
from samverkan.services.access import holders
from samverkan.services.actor import Actor
from samverkan.services.cycle import start_cycle as begin
from samverkan.services.errors import ServiceError
from samverkan.services.overview import find_organisation
from samverkan.services.simulated_reporting import simulated_week, weeks_due
from samverkan.services.sweep import SweepCache, SweepResult, coming_messages, sweep

SWEEP_AT = time(6, 0)


@dataclass
class Simulation:
    organisations: list[str]
    first: date
    last: date
    result: SweepResult
    cycle_started_by: dict[str, str]
    sweep_seconds: list[float] = field(default_factory=list)  # engine time of each daily sweep (wall)
    sweep_cpu: list[float] = field(default_factory=list)  # this process's CPU time of each daily sweep

    def to_dict(self) -> dict[str, object]:
        return {
            "organisations": self.organisations,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "cycle_started_by": self.cycle_started_by,
            **self.result.to_dict(),
            "messages": [preview.to_dict() for preview in self.messages()],
        }

    def messages(self) -> list[MessagePreview]:
        """Every message the period would send, in the order they would go out."""
        previews = [MessagePreview.of(record) for record in self.result.messages]
        return sorted(previews, key=lambda p: (p.send_at, p.organisation, p.trigger, p.kind))

    def write_csv(self, target: Path) -> int:
        """The message list as a CSV a coordinator opens in Excel (Swedish headers, ';', UTF-8 with BOM)."""
        rows = self.messages()
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(CSV_HEADERS)
            writer.writerows(preview.csv_row() for preview in rows)
        return len(rows)


CSV_HEADERS = (
    "Skickas",
    "Organisation",
    "Slag",
    "Rytm eller tidsfrist (nyckel)",
    "Ämne",
    "Tillfälle",
    "Tillfällets datum",
    "Roller",
    "Antal personer",
    "Dokument",
    "Period från",
    "Period till",
)
DOCUMENT_KINDS = {"packet": "beslutsunderlag", "report": "rapport"}


@dataclass(frozen=True)
class MessagePreview:
    """One message of a simulation: when it would go out, what it is about and whom it reaches."""

    send_at: datetime
    organisation: str
    kind: str
    trigger: str
    subject: str
    occurrence: str
    event_at: datetime | None
    about: date | None
    roles: tuple[str, ...]
    persons: int
    document: str | None
    period: tuple[date, date] | None

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> MessagePreview:
        document = record["document"]
        return cls(
            record["send_at"],
            record["organisation"],
            record["kind"],
            record["trigger"],
            record["subject"],
            record["occurrence"],
            record["event_at"],
            record["about"],
            tuple(record["roles"]),
            record["persons"],
            DOCUMENT_KINDS.get(document, document) if document else None,
            record["period"],
        )

    @property
    def event_day(self) -> date | None:
        return self.event_at.date() if self.event_at else self.about

    def to_dict(self) -> dict[str, Any]:
        return {
            "send_at": self.send_at.isoformat(),
            "organisation": self.organisation,
            "kind": self.kind,
            "trigger": self.trigger,
            "subject": self.subject,
            "occurrence": self.occurrence,
            "occurrence_date": self.event_day.isoformat() if self.event_day else None,
            "event_at": self.event_at.isoformat() if self.event_at else None,
            "roles": list(self.roles),
            "persons": self.persons,
            "document": self.document,
            "period": [day.isoformat() for day in self.period] if self.period else None,
        }

    def csv_row(self) -> list[str]:
        first, last = self.period or (None, None)
        return [
            f"{self.send_at:%Y-%m-%d %H:%M}",
            self.organisation,
            action_label(self.kind),
            self.trigger,
            self.subject,
            self.occurrence,
            self.event_day.isoformat() if self.event_day else "",
            ", ".join(self.roles),
            str(self.persons),
            self.document or "",
            first.isoformat() if first else "",
            last.isoformat() if last else "",
        ]


def simulate(
    configs: list[ValidationResult],
    first: date,
    last: date,
    out_dir: Path | None = None,
    start_cycle: bool = True,
    database_url: str | None = None,
    pdf: bool = False,
    example_contributions: bool = False,
) -> Simulation:
    """Run the engine over [first, last] for the given (validated) organisation files. With
    `example_contributions`, simulated förvaltningar report to each weekly lägesbild when it is due and the
    coordinator compiles it (services/simulated_reporting.py), so the county's analyses have content."""

    with tempfile.TemporaryDirectory(prefix="samverkan-sim-") as scratch:
        engine = make_engine(database_url or f"sqlite:///{Path(scratch) / 'simulering.db'}")
        upgrade(engine)
        keys, started = [], {}
        for config in configs:
            if not config.ok:
                raise ConfigError(config.errors)
        # The throwaway database is set up in two transactions, not two per organisation: on PostgreSQL each
        # commit is a round trip and a WAL flush, which cost more than the loading itself.
        with session_scope(engine) as session:
            for config in configs:
                keys.append(load_config(session, config).organisation_key)
        if start_cycle:
            moment = datetime.combine(first, SWEEP_AT, tzinfo=STOCKHOLM)
            opened = []
            with session_scope(engine) as session:
                for key in keys:
                    actor = _a_coordinator(session, key, first)
                    if actor is None:
                        continue
                    try:
                        begin(session, Actor(key, actor, first, moment), notify=False)
                        started[key] = actor
                        opened.append(key)
                    except ServiceError as exc:
                        started[key] = f"ingen cykel: {exc}"
            if opened:  # every started cycle's first phase, announced by one sweep as start_cycle would one by one
                with session_scope(engine) as session:
                    sweep(session, moment, org_keys=opened, lookback_days=0, kinds={"phase_opened"})
        total, durations, cpu, cache = SweepResult(), [], [], SweepCache()
        reminded: dict[str, set[str]] = {}
        day = first
        while day <= last:
            began, began_cpu = clock.perf_counter(), clock.process_time()
            with session_scope(engine) as session:
                moment = datetime.combine(day, SWEEP_AT, tzinfo=STOCKHOLM)
                if example_contributions:  # the week's reporting happens before the day's sweep renders analyses
                    _report_weeks(session, coming_messages_all(session, keys, day), reminded, day, moment)
                total.merge(
                    sweep(session, moment, org_keys=keys, lookback_days=0, documents_dir=out_dir, cache=cache, pdf=pdf)
                )
            durations.append(clock.perf_counter() - began)
            cpu.append(clock.process_time() - began_cpu)
            day += timedelta(days=1)
        engine.dispose()
    return Simulation(keys, first, last, total, started, durations, cpu)


def coming_messages_all(session: Session, keys: list[str], day: date) -> list[dict[str, Any]]:
    return [message for key in keys for message in coming_messages(session, key, day, day)]


def _report_weeks(
    session: Session, messages: list[dict[str, Any]], reminded: dict[str, set[str]], day: date, moment: datetime
) -> None:
    for org_key in weeks_due(messages, reminded):
        simulated_week(session, org_key, reminded.get(org_key, set()), day, moment)


def _a_coordinator(session: Session, key: str, on: date) -> str | None:
    org = find_organisation(session, key)
    for role in session.exec(
        select(Role).where(Role.organisation_id == org.id, Role.function == "samordnare").order_by(col(Role.key))
    ).all():
        people = holders(session, role, on)
        if people:
            return people[0].email
    return None


def message_preview(session: Session, org_key: str, first: date, last: date) -> list[MessagePreview]:
    """The messages the organisation's årshjul will send in [first, last], from the live database and without
    writing anything (the web årshjul's preview); roles are named as people read them, not by their keys."""
    organisation = find_organisation(session, org_key)
    names = {
        role.key: role.name for role in session.exec(select(Role).where(Role.organisation_id == organisation.id)).all()
    }
    previews = []
    for record in coming_messages(session, org_key, first, last):
        preview = MessagePreview.of(record)
        previews.append(replace(preview, roles=tuple(names.get(key, key) for key in preview.roles)))
    return previews
