"""The production sweep's stored cadence plan: each organisation's cadence actions for the coming weeks, planned
once and kept in `cadence_plan`, so the daily sweep (a fresh process every morning) reads a few rows instead of
planning every organisation's årshjul again.

A stored plan is used only while its plan key matches: a hash of what the plan is made from (the organisation's
cadences, its breaks, its packet lead time) and of the planning code and the holiday table (`_code_fingerprint`).
A changed configuration, a regenerated holiday table or changed planning code gives another key, and the
organisation is planned again and its row replaced. It is used only when it covers the sweep's whole window;
otherwise the window and PLAN_AHEAD after it are planned and stored. What it holds is what the plan itself gives
(services/sweep.py `OrgContext.window`; tests/test_stored_plan.py compares them), so what is sent is the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

import samverkan.scheduling
from samverkan.core.timeutil import STOCKHOLM
from samverkan.database.id_lists import among
from samverkan.models import CadencePlan
from samverkan.models.base import table_of
from samverkan.scheduling.actions import Action
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.triggers import PlannedAction

PLAN_AHEAD = timedelta(days=28)  # planned and stored beyond the sweep's window: the next four weeks' mornings read it
Planner = Callable[[int, date, date], list[PlannedAction]]  # organisation id, first and last day → its actions


def planning_sources() -> list[Path]:
    """The code a plan is made by: scheduling/ (the holiday table included), this module and the sweep's planning."""
    services = Path(__file__).parent
    return [*sorted(Path(samverkan.scheduling.__file__).parent.glob("*.py")), services / "sweep.py", Path(__file__)]


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in planning_sources():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def plan_key(cadences_json: str, breaks: object, packet_days: int) -> str:
    """What an organisation's plan is made from, hashed: another value means the stored plan is stale."""
    made_from = json.dumps([cadences_json, breaks, packet_days], sort_keys=True, default=str)
    return hashlib.sha256(f"{_code_fingerprint()}\0{made_from}".encode()).hexdigest()


def stored_windows(
    session: Session, keys: dict[int, str], first: date, last: date, plan: Planner
) -> dict[int, list[PlannedAction]]:
    """Each organisation's (id → plan key) cadence actions due in [first, last]: from its stored plan where that is
    current and covers the window, else planned by `plan` for the window and PLAN_AHEAD more, and stored."""
    table = table_of(CadencePlan)
    ids, stored = list(keys), {}
    for start in range(0, len(ids), 900):
        for row in session.execute(select(table).where(among(table.c.organisation_id, ids[start : start + 900]))).all():
            stored[row.organisation_id] = row
    found: dict[int, list[PlannedAction]] = {}
    made: dict[int, list[PlannedAction]] = {}
    for org_id, key in keys.items():
        kept = stored.get(org_id)
        if kept is not None and kept.plan_key == key and kept.first_day <= first and last <= kept.last_day:
            low, high = first.isoformat(), last.isoformat()
            found[org_id] = [_action(data) for data in kept.actions if low <= data["due"] <= high]
        else:
            made[org_id] = plan(org_id, first, last + PLAN_AHEAD)
            found[org_id] = [action for action in made[org_id] if first <= action.due <= last]
    if made:
        _store(session, {org_id: keys[org_id] for org_id in made}, made, first, last + PLAN_AHEAD)
    return found


def _store(
    session: Session, keys: dict[int, str], made: dict[int, list[PlannedAction]], first: date, last: date
) -> None:
    """Replace the organisations' stored plans, in a savepoint: a sweep running at the same time that stored them
    first wins, and this sweep goes on with what it planned."""
    table = table_of(CadencePlan)
    rows = [
        {
            "organisation_id": org_id,
            "plan_key": key,
            "first_day": first,
            "last_day": last,
            "actions": [_data(action) for action in made[org_id]],
        }
        for org_id, key in keys.items()
    ]
    try:
        with session.begin_nested():
            connection = session.connection()
            ids = list(keys)
            for start in range(0, len(ids), 900):
                connection.execute(delete(table).where(among(table.c.organisation_id, ids[start : start + 900])))
            connection.execute(insert(table), rows)
    except IntegrityError:
        pass  # another sweep stored these plans in the meantime; the next sweep reads whichever is current


def _data(action: PlannedAction) -> dict[str, Any]:
    occurrence = action.occurrence
    return {
        "trigger_key": action.trigger_key,
        "occurrence_key": action.occurrence_key,
        "kind": action.kind,
        "action": action.action.value,
        "due": action.due.isoformat(),
        "subject": action.subject,
        "attachment": action.attachment,
        "occurrence": None
        if occurrence is None
        else {
            "key": occurrence.key,
            "day": occurrence.day.isoformat(),
            "start": _wall(occurrence.start),
            "end": _wall(occurrence.end),
            "moved_from": occurrence.moved_from.isoformat() if occurrence.moved_from else None,
            "moved_because": occurrence.moved_because,
            "period": [day.isoformat() for day in occurrence.period] if occurrence.period else None,
        },
        "about": action.about.isoformat() if action.about else None,
        "rhythm": action.rhythm,
        "addressee": action.addressee,
    }


def _wall(moment: datetime) -> str:
    """Europe/Stockholm wall-clock time, as the plan makes it (scheduling/cadence.py); DST-safe when read back."""
    return moment.astimezone(STOCKHOLM).replace(tzinfo=None).isoformat()


def _action(data: dict[str, Any]) -> PlannedAction:
    occurrence = data["occurrence"]
    return PlannedAction(
        data["trigger_key"],
        data["occurrence_key"],
        data["kind"],
        Action(data["action"]),
        date.fromisoformat(data["due"]),
        data["subject"],
        data["attachment"],
        None if occurrence is None else _occurrence(occurrence),
        date.fromisoformat(data["about"]) if data["about"] else None,
        data["rhythm"],
        data["addressee"],
    )


def _occurrence(data: dict[str, Any]) -> Occurrence:
    period = data["period"]
    return Occurrence(
        data["key"],
        date.fromisoformat(data["day"]),
        datetime.fromisoformat(data["start"]).replace(tzinfo=STOCKHOLM),
        datetime.fromisoformat(data["end"]).replace(tzinfo=STOCKHOLM),
        date.fromisoformat(data["moved_from"]) if data["moved_from"] else None,
        data["moved_because"],
        (date.fromisoformat(period[0]), date.fromisoformat(period[1])) if period else None,
    )
