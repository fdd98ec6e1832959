"""The production sweep's stored cadence plan (services/stored_plan.py): read back it gives exactly the actions the
plan itself gives, and a changed configuration is planned again."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import session_scope
from samverkan.models import CadencePlan, Organisation, TriggerOccurrence
from samverkan.models.base import table_of
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.scheduling.triggers import PlannedAction
from samverkan.services.stored_plan import PLAN_AHEAD, plan_key, planning_sources, stored_windows
from samverkan.services.sweep import OrgContext, load_contexts, sweep
from tests.conftest import EXAMPLES
from tests.test_sweep import planned_contexts


def test_the_stored_plan_gives_every_day_the_actions_the_plan_gives(engine: Engine) -> None:
    """Every example organisation and generated kommuner, every morning from November to March with the 7-day
    lookback: the actions read from the stored plans are the window's own, moved occurrences, calls before New
    Year and times (Europe/Stockholm) included; the plans are made once per PLAN_AHEAD, not every morning."""
    contexts = planned_contexts(engine)
    by_id = {context.org_id: context for context in contexts}
    keys = {org_id: context.plan_key() for org_id, context in by_id.items()}
    planned: list[tuple[int, date, date]] = []

    def plan(org_id: int, first: date, last: date) -> list[PlannedAction]:
        planned.append((org_id, first, last))
        return by_id[org_id].window(first, last)

    day, mornings, nonempty = date(2027, 11, 1), 0, 0
    while day <= date(2028, 3, 31):
        first = day - timedelta(days=7)
        with session_scope(engine) as session:
            found = stored_windows(session, keys, first, day, plan)
        for org_id, context in by_id.items():
            stored = sorted(map(repr, found[org_id]))
            assert stored == sorted(map(repr, context.window(first, day))), (context.org.key, first, day)
            nonempty += bool(stored)
        mornings += 1
        day += timedelta(days=1)
    assert nonempty > mornings * len(by_id) // 3  # the plans hold actions, not just agree on nothing
    replanned_mornings = {first for _, first, _ in planned}
    assert len(replanned_mornings) <= mornings // (PLAN_AHEAD.days - 1) + 1  # planned again only when run out


def _org_id(session: Session, key: str) -> int:
    found = session.execute(select(table_of(Organisation).c.id).where(table_of(Organisation).c.key == key)).scalar()
    assert found is not None
    return int(found)


def _stored(engine: Engine, org_id: int) -> CadencePlan:
    with Session(engine) as session:
        found = session.get(CadencePlan, org_id)
        assert found is not None
        session.expunge(found)
        return found


def _context(engine: Engine, key: str) -> OrgContext:
    with Session(engine) as session:
        return load_contexts(session, [key])[0]


def test_a_changed_configuration_is_planned_again(engine: Engine) -> None:
    """A kommun whose EST meetings move from Monday 09:00 to Tuesday 14:00 (a new file loaded): the next morning's
    sweep finds its stored plan stale, plans it again and sends the calls of the new meetings; an unchanged
    configuration keeps its stored plan."""
    sys.path.insert(0, str(EXAMPLES.parent / "benchmarks"))
    from generate import kommun_yaml

    yaml = kommun_yaml(0, 2027)
    with session_scope(engine) as session:
        load_config(session, validate_text(yaml, "k0.yaml"))
    monday = datetime.combine(date(2027, 3, 1), time(6, 30), tzinfo=STOCKHOLM)
    with session_scope(engine) as session:
        sweep(session, monday)
        org_id = _org_id(session, "k0")
    before = _stored(engine, org_id)
    assert before.plan_key == _context(engine, "k0").plan_key()
    assert any("måndag" in action["subject"] for action in before.actions if action["kind"] == "est_meeting")

    with session_scope(engine) as session:  # the same file again: the same plan, kept
        load_config(session, validate_text(yaml, "k0.yaml"))
        sweep(session, monday + timedelta(days=1))
    assert _stored(engine, org_id).plan_key == before.plan_key

    moved = yaml.replace(
        'weekday: monday, start: 2027-01-04, time: "09:00"', 'weekday: tuesday, start: 2027-01-05, time: "14:00"'
    )
    assert moved != yaml
    with session_scope(engine) as session:
        load_config(session, validate_text(moved, "k0.yaml"))
        sweep(session, monday + timedelta(days=2))
    after = _stored(engine, org_id)
    assert after.plan_key != before.plan_key and after.plan_key == _context(engine, "k0").plan_key()
    calls = [a for a in after.actions if a["kind"] == "est_meeting" and a["occurrence_key"].endswith(":kallelse")]
    assert calls and all("tisdag" in a["subject"] and "kl. 14:00" in a["subject"] for a in calls)
    assert after.first_day == date(2027, 3, 3) - timedelta(days=7)
    with Session(engine) as session:  # what was sent on the third morning is the new plan's
        occurrences = table_of(TriggerOccurrence)
        sent = session.execute(
            select(occurrences.c.occurrence_key).where(
                occurrences.c.organisation_id == org_id, occurrences.c.trigger_key == "est-mote"
            )
        ).all()
    assert any(key.startswith("2027-03-02:") for (key,) in sent)  # the Tuesday meeting only the new plan holds


def test_the_plan_key_follows_what_the_plan_is_made_from() -> None:
    """Cadences, breaks and the packets' lead time each change the key; the planning code and the holiday table
    are in it too (a `holidays` upgrade regenerates scheduling/holiday_table.py)."""
    cadences = '{"est": {"rule": {"frequency": "monthly"}, "title": "EST", "trigger": "est_meeting"}}'
    breaks = [{"name": "Sommar", "from": "06-22", "to": "08-09"}]
    key = plan_key(cadences, breaks, 5)
    assert key == plan_key(cadences, [dict(b) for b in breaks], 5)
    assert key != plan_key(cadences.replace("monthly", "biweekly"), breaks, 5)
    assert key != plan_key(cadences, [{**breaks[0], "to": "08-16"}], 5)
    assert key != plan_key(cadences, breaks, 10)
    assert {"holiday_table.py", "cadence.py", "triggers.py", "sweep.py", "stored_plan.py"} <= {
        path.name for path in planning_sources()
    }
