"""The sweep: due work into the outbox exactly once; reminders, escalations and the simulated year."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from samverkan.cli.main import app
from samverkan.database import session_scope
from samverkan.models import ChecklistItem, Notification, TriggerOccurrence
from samverkan.scheduling.triggers import deadline_actions, owed_reminders
from samverkan.services import cycle, handover
from samverkan.services.sweep import OrgContext, load_contexts, plan_years, sweep
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNDIREKTOR, KOMMUNPOLIS, SAMORDNARE, Driver, decided, doc, run_until_killed

STHLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=STHLM)


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Notification)).one(),
            session.exec(select(func.count()).select_from(TriggerOccurrence)).one(),
        )


@pytest.fixture
def fagersta(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", date(2027, 1, 11))
    driver.load(EXAMPLES / "fagersta.yaml")
    return driver


def run(engine: Engine, moment: datetime, **kwargs: object) -> dict[str, object]:
    with session_scope(engine) as session:
        return sweep(session, moment, **kwargs).to_dict()  # type: ignore[arg-type]


def test_a_sweep_that_runs_twice_produces_nothing_twice(engine: Engine, fagersta: Driver) -> None:
    # 2027-01-12: the EST meeting on the 19th gets its call (5 working days before) on the 12th
    first = run(engine, at(date(2027, 1, 12)), lookback_days=0)
    assert first["actions"] == {"kallelse": 1}
    assert first["notifications"] == {
        "est-bostad": 1,
        "est-fritid": 1,
        "est-skola": 1,
        "est-socialtjanst": 1,
        "kommunpolis": 1,
        "samordnare": 1,
        "organ:est": 1,  # the EST group's own Teams channel gets the call too
    }
    before = counts(engine)
    second = run(engine, at(date(2027, 1, 12), 14), lookback_days=0)
    assert second["notifications_total"] == 0 and second["already_done"] == 1
    assert counts(engine) == before


def test_the_scheduler_firing_twice_in_the_dst_fall_back_hour(engine: Engine, fagersta: Driver) -> None:
    # 31 October 2027 02:30 happens twice in Stockholm; a duplicate run in the repeated hour adds nothing
    summer = datetime(2027, 10, 31, 2, 30, tzinfo=STHLM, fold=0)
    winter = datetime(2027, 10, 31, 2, 30, tzinfo=STHLM, fold=1)
    assert winter.astimezone(ZoneInfo("UTC")) - summer.astimezone(ZoneInfo("UTC")) == timedelta(hours=1)
    run(engine, summer, lookback_days=30)
    before = counts(engine)
    assert before[0] > 0
    assert run(engine, winter, lookback_days=30)["notifications_total"] == 0
    assert counts(engine) == before


def test_missed_days_are_caught_up_once(engine: Engine, fagersta: Driver) -> None:
    caught_up = run(engine, at(date(2027, 2, 10)), lookback_days=14)  # nobody swept since 27 January
    day_by_day = []
    for offset in range(15):
        day_by_day.append(run(engine, at(date(2027, 1, 27) + timedelta(days=offset)), lookback_days=0))
    assert all(result["notifications_total"] == 0 for result in day_by_day)
    assert caught_up["actions"] == {
        "gemensam-lagesbild": 1,
        "kallelse": 2,
        "manadsrapport": 1,
        "rapportera-observationer": 1,
        "rapportera-lagesbild": 2,  # the weekly lägesbild (issue 17): two weeks of reminders and compiling
        "sammanstall-lagesbild": 2,
    }


def test_a_sweep_killed_midway_loses_nothing_and_duplicates_nothing(
    engine: Engine, fagersta: Driver, db_url: str
) -> None:
    script = (
        "import os, signal\n"
        "from datetime import datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "from samverkan.database import make_engine, session_scope\n"
        "from samverkan.services.sweep import sweep\n"
        f"engine = make_engine({db_url!r})\n"
        "with session_scope(engine) as session:\n"
        "    result = sweep(session, datetime(2027, 2, 10, 6, tzinfo=ZoneInfo('Europe/Stockholm')), lookback_days=14)\n"
        "    session.flush()\n"
        "    print(result.to_dict()['notifications_total'], flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # dies after writing, before committing\n"
    )
    killed = run_until_killed(script)
    written_before_kill = int(killed.stdout.strip())
    assert written_before_kill > 0
    assert counts(engine) == (0, 0)  # nothing of the killed sweep was committed
    again = run(engine, at(date(2027, 2, 10)), lookback_days=14)
    assert again["notifications_total"] == written_before_kill
    with Session(engine) as session:
        keys = session.exec(select(Notification.idempotency_key)).all()
    assert len(keys) == len(set(keys)) == written_before_kill


def test_deadline_reminders_stop_when_done_and_escalate_to_the_chair(engine: Engine, fagersta: Driver) -> None:
    fagersta(
        handover.handover,
        SAMORDNARE,
        role_key="kso",
        to_email="nadja.nyval@fagersta.example",
        to_name="Nadja Nyval",
        starts_on=date(2027, 1, 1),
    )
    fagersta(cycle.start_cycle, SAMORDNARE)
    fagersta(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", date(2027, 2, 1))
    fagersta(cycle.set_deadline, KOMMUNDIREKTOR, "kommunikationsplan", date(2027, 2, 1))
    week_before = run(engine, at(date(2027, 1, 25)), kinds=["item_deadline"])
    assert week_before["actions"] == {"paminnelse-7": 2}
    assert week_before["notifications"] == {"kommunpolis": 1, "samordnare": 1}
    fagersta(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    day_before = run(engine, at(date(2027, 1, 31)), kinds=["item_deadline"])
    assert day_before["notifications"] == {"samordnare": 1}  # the completed item is no longer reminded of
    overdue = run(engine, at(date(2027, 2, 4)), kinds=["item_deadline"], lookback_days=0)
    assert overdue["actions"] == {"eskalering": 1}
    assert overdue["notifications"] == {"kso": 1, "samordnare": 1}  # the styrgrupp's chair hears of it
    with Session(engine) as session:
        escalation = session.exec(
            select(Notification).where(Notification.kind == "eskalering", Notification.role_key == "kso")
        ).one()
        item = session.exec(select(ChecklistItem).where(ChecklistItem.key == "kommunikationsplan")).one()
    assert escalation.subject == f"Försenat: '{item.title}' skulle ha varit klar 2027-02-01"
    assert escalation.body_text.startswith("Till kommunstyrelsens ordförande i Fagersta kommun,\n\nFörsenat: ")
    assert escalation.related_type == "item" and escalation.related_id == item.id


def test_a_deadline_set_late_gets_one_reminder_not_every_missed_one(engine: Engine, fagersta: Driver) -> None:
    """A deadline set on Friday for Monday: the reminder of a week ahead was due before the deadline existed and
    the one of a working day ahead is due today. The owner hears once, the nearest one; the day after, nothing
    again; on the day and after it, as before. (It broke a browser test run on a Friday: two reminders.)"""
    fagersta(cycle.start_cycle, SAMORDNARE)
    friday, monday = date(2027, 1, 29), date(2027, 2, 1)
    fagersta(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", monday)
    late = run(engine, at(friday), kinds=["item_deadline"])
    assert late["actions"] == {"paminnelse-1": 1}
    assert late["notifications"] == {"kommunpolis": 1}
    assert run(engine, at(date(2027, 1, 30)), kinds=["item_deadline"])["notifications_total"] == 0
    assert run(engine, at(monday), kinds=["item_deadline"])["actions"] == {"forfaller-idag": 1}
    assert run(engine, at(date(2027, 2, 4)), kinds=["item_deadline"])["actions"] == {"eskalering": 1}
    with Session(engine) as session:
        about = select(Notification.kind).where(Notification.related_type == "item").order_by(col(Notification.id))
        kinds = session.exec(about).all()
    assert kinds == ["paminnelse-1", "forfaller-idag", "eskalering"]


def test_owed_reminders_keep_the_nearest_reminder_and_every_escalation() -> None:
    monday = date(2027, 3, 1)
    actions = deadline_actions("item:1", "item_deadline", "Lägesbild", monday, None, None)

    def owed(until: date) -> list[str]:
        return [a.code for a in owed_reminders([a for a in actions if a.due <= until])]

    assert owed(date(2027, 2, 22)) == ["paminnelse-7"]
    assert owed(date(2027, 2, 28)) == ["paminnelse-1"]  # the week's reminder is not sent again beside it
    assert owed(date(2027, 3, 4)) == ["forfaller-idag", "eskalering"]
    assert owed(date(2027, 2, 1)) == []


def test_the_next_phase_owners_are_told_in_the_completing_transaction(engine: Engine, fagersta: Driver) -> None:
    fagersta(cycle.start_cycle, SAMORDNARE)
    for key in ("beslut-om-samverkan", "organisation-utsedd"):
        fagersta(cycle.complete_item, SAMORDNARE, key, decided(fagersta.decision(key)))
    fagersta(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    fagersta(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Plan"))
    with Session(engine) as session:
        opened = session.exec(
            select(Notification).where(Notification.kind == "fas-oppnad").order_by(col(Notification.id))
        ).all()
    assert [n.subject for n in opened][-2:] == ["Ny fas: Lägesbild har öppnats"] * 2
    assert {n.role_key for n in opened[-2:]} == {"samordnare", "kommunpolis"}


def test_simulate_fagersta_2027(tmp_path: object) -> None:
    out = tmp_path / "handlingar"  # type: ignore[operator]
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(EXAMPLES / "fagersta.yaml"),
            "--from",
            "2027-01-01",
            "--to",
            "2027-12-31",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    triggers = summary["triggers"]
    assert (
        triggers["est_meeting"],
        triggers["est_report"],
        triggers["direction_decision"],
        triggers["body_meeting"],
    ) == (78, 12, 4, 6)
    # 26 EST meetings: 25 × (call, reminder, lägesbild), the lägesbild after 5 January (its call and reminder
    # fell in December 2026), and the call and reminder for 4 January 2028, due in December 2027
    assert summary["notifications"]["lansstyrelsen-samordnare"] == 12
    assert summary["notifications_total"] > 500
    assert len(summary["packets"]) == 4 + 6 + 1 + 12 + 26  # direction, BRÅ, yearly, monthly, EST lägesbild
    packet = next(p for p in summary["packets"] if "inriktningsbeslut-2027-03-11" in p)
    html = Path(packet).read_text(encoding="utf-8")
    assert '<html lang="sv">' in html and "Förslag till beslut" in html and "Lokala BRÅ Fagersta" in html
    assert any("Kommunstyrelsens ordförande är vakant" in error for error in summary["errors"])
    again = CliRunner().invoke(
        app, ["simulate", str(EXAMPLES / "fagersta.yaml"), "--from", "2027-01-01", "--to", "2027-12-31", "--json"]
    )
    assert json.loads(again.stdout)["triggers"] == triggers


def test_simulate_text_output_warns_about_vacant_roles() -> None:
    result = CliRunner().invoke(
        app, ["simulate", str(EXAMPLES / "fagersta.yaml"), "--from", "2027-03-01", "--to", "2027-03-31"]
    )
    assert result.exit_code == 0
    assert "varning: Fagersta kommun: rollen Kommunstyrelsens ordförande är vakant" in result.stderr


def planned_contexts(engine: Engine) -> list[OrgContext]:
    """Every example organisation and three generated kommuner (benchmarks/generate.py), loaded for planning."""
    import sys

    sys.path.insert(0, str(EXAMPLES.parent / "benchmarks"))
    from generate import kommun_yaml

    from samverkan.orgconfig.loader import load_config
    from samverkan.orgconfig.validate import validate_file, validate_text
    from tests.conftest import EXAMPLE_FILES

    with session_scope(engine) as session:
        for path in EXAMPLE_FILES:
            load_config(session, validate_file(path))
        for n in range(3):
            load_config(session, validate_text(kommun_yaml(n, 2027), f"k{n}.yaml"))
    with Session(engine) as session:
        contexts = load_contexts(session)
    assert len(contexts) >= len(EXAMPLE_FILES) + 3 and sum(len(c.cadences) for c in contexts) > 20
    return contexts


def test_a_day_asks_only_the_years_whose_plans_can_hold_its_actions(engine: Engine) -> None:
    """The sweep skips a neighbouring year's plan far from New Year (plan_years): for every example organisation
    and generated kommuner, every day from September to May gets exactly the actions all three years hold."""
    contexts = planned_contexts(engine)
    skipped = 0
    day = date(2026, 9, 1)
    while day <= date(2028, 5, 31):
        years = plan_years(day)
        skipped += 3 - len(years)
        for context in contexts:
            everything = [a for year in (day.year - 1, day.year, day.year + 1) for a in context.plan(year).get(day, ())]
            asked = [a for year in years for a in context.plan(year).get(day, ())]
            assert sorted(map(repr, asked)) == sorted(map(repr, everything)), (context.org.key, day)
        day += timedelta(days=1)
    assert skipped > 300  # most days ask one or two years, not three


def whole_year_actions(context: OrgContext, first: date, last: date) -> list[str]:
    day, found = first, []
    while day <= last:
        found += [repr(a) for year in plan_years(day) for a in context.plan(year).get(day, ())]
        day += timedelta(days=1)
    return sorted(found)


def test_a_sweeps_window_plans_exactly_the_actions_the_year_plans_hold(engine: Engine) -> None:
    """A production sweep plans only its window (OrgContext.window, services/sweep.py `_window_actions`): for every
    example organisation and generated kommuner, every day over two New Years, with a lookback of one and of seven
    days, it yields exactly the actions the whole-year plans hold for those days, moved occurrences and calls
    spread over the days before them included."""
    contexts = planned_contexts(engine)
    compared, nonempty = 0, 0
    day = date(2026, 9, 1)
    while day <= date(2028, 5, 31):
        for lookback in (1, 7):
            first = day - timedelta(days=lookback)
            for context in contexts:
                windowed = sorted(map(repr, context.window(first, day)))
                assert windowed == whole_year_actions(context, first, day), (context.org.key, first, day)
                compared += 1
                nonempty += bool(windowed)
        day += timedelta(days=1)
    assert compared > 10_000 and nonempty > compared // 3  # the windows hold actions, not just agree on nothing
