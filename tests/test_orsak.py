"""Orsaksanalys and åtgärdsplan in the service layer: the problem triangle (a cause or "inte relevant, eftersom …"
per perspective), causes as a tree with their sources, medborgardialoger as aggregate records, åtgärder created from
a cause with their indicators, and scope changes and cancellations as recorded decisions of the deciding body."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import Decision, Indicator, Measure, Notification
from samverkan.models.analysis import MeasureChange
from samverkan.models.enums import CausePerspective, MeasureState, Related
from samverkan.services import atgardsplan, orsaksanalys, substance
from samverkan.services.errors import NotFoundError, NotPermittedError, RefusedError
from samverkan.services.overview import find_organisation
from samverkan.services.plan_view import measure_view, plan
from samverkan.services.substance import active_cycle
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNDIREKTOR, KOMMUNPOLIS, SAMORDNARE, Driver, fagersta_with_cycle

ON = date(2027, 2, 1)


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def prioritised(d: Driver, title: str = "Skadegörelse i centrum kvällstid") -> int:
    problem = d(substance.add_problem, SAMORDNARE, title=title)
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1)
    return int(problem.id)


def cause(d: Driver, problem_id: int, perspective: CausePerspective, text: str, parent: int | None = None) -> int:
    made = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem_id,
        perspective=perspective,
        description=text,
        parent=parent,
        sources="Polisens lägesbild 2026, trygghetsmätningen",
    )
    return int(made.id)


def indicator_ids(d: Driver) -> list[int]:
    with Session(d.engine) as session:
        return [int(i.id) for i in session.exec(select(Indicator).order_by(Indicator.id)).all()]  # type: ignore[arg-type]


def test_completing_needs_every_triangle_perspective_covered_named_in_swedish(d: Driver) -> None:
    problem = prioritised(d)
    cause(d, problem, CausePerspective.PLACE, "Mörkt torg med skymda siktlinjer")
    with pytest.raises(RefusedError) as refused:
        d(substance.complete_analysis, SAMORDNARE, problem_id=problem)
    assert str(refused.value).splitlines() == [
        "Orsaksanalysen av 'Skadegörelse i centrum kvällstid' kan inte slutföras. Det saknas:",
        "  - en orsak från perspektivet brottsutsatt, eller ett 'inte relevant, eftersom …' med skäl",
        "  - en orsak från perspektivet gärningsperson, eller ett 'inte relevant, eftersom …' med skäl",
    ]
    cause(d, problem, CausePerspective.OFFENDER, "Få fritidsaktiviteter för unga kvällstid")
    with pytest.raises(RefusedError, match="ange varför perspektivet brottsutsatt inte är relevant"):
        d(orsaksanalys.mark_not_relevant, SAMORDNARE, problem_id=problem, perspective="brottsutsatt", reason="  ")
    with pytest.raises(RefusedError, match="perspektivet plats/objekt har redan orsaker"):
        d(orsaksanalys.mark_not_relevant, SAMORDNARE, problem_id=problem, perspective="plats", reason="x")
    d(
        orsaksanalys.mark_not_relevant,
        SAMORDNARE,
        problem_id=problem,
        perspective=CausePerspective.VICTIM,
        reason="skadegörelsen riktar sig mot kommunens egendom, inte mot personer",
    )
    analysis = d(substance.complete_analysis, KOMMUNPOLIS, problem_id=problem, summary="Plats och gärningsperson")
    assert analysis.completed_at is not None
    with Session(d.engine) as session:
        from samverkan.models import Problem

        state = orsaksanalys.analysis_state(session, session.get(Problem, problem))  # type: ignore[arg-type]
    assert (state.completed, state.causes, state.missing, state.state) == (True, 2, [], "klar")
    assert state.perspectives == {
        "brottsutsatt": "skadegörelsen riktar sig mot kommunens egendom, inte mot personer",
        "garningsperson": "orsak",
        "plats": "orsak",
    }


def test_causes_form_a_tree_with_their_sources(d: Driver) -> None:
    problem = prioritised(d)
    top = cause(d, problem, CausePerspective.OFFENDER, "Unga samlas på torget kvällstid")
    with Session(d.engine) as session:
        number = session.exec(select(Measure)).first()  # none yet
        assert number is None
    under = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem,
        perspective=CausePerspective.OFFENDER,
        direct=False,
        description="Fritidsgården stänger kl. 19",
        parent=1,
    )
    deeper = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem,
        perspective=CausePerspective.SITUATION,
        direct=False,
        description="Budgetneddragning på fritid",
        parent=under.number,
    )
    with Session(d.engine) as session:
        organisation = find_organisation(session, "fagersta")
        view = orsaksanalys.analysis_view(session, organisation, problem)
        roots = view.trees[CausePerspective.OFFENDER]
        assert [n.cause.id for n in roots] == [top]
        assert [n.cause.id for n in roots[0].children] == [under.id]
        assert [n.cause.id for n in roots[0].children[0].children] == [deeper.id]
        assert view.trees[CausePerspective.VICTIM] == [] and CausePerspective.SITUATION not in view.trees
        listed = orsaksanalys.cause_views(session, organisation, problem)
    assert [(c.number, c.underlying_of, c.direct) for c in listed] == [(1, None, True), (2, 1, False), (3, 2, False)]
    assert listed[0].sources == "Polisens lägesbild 2026, trygghetsmätningen"
    with pytest.raises(ValueError, match="personnummer"):
        d(
            substance.add_cause,
            KOMMUNPOLIS,
            problem_id=problem,
            perspective=CausePerspective.PLACE,
            description="Mörkt",
            sources="Anmälan från 19800101-1234",
        )


def test_a_medborgardialog_is_an_aggregate_record(d: Driver) -> None:
    problem = prioritised(d)
    with pytest.raises(RefusedError, match="har inte varit"):
        d(orsaksanalys.record_dialogue, SAMORDNARE, problem, ON + timedelta(days=1), "Enkät", 40, "Otrygghet")
    d(
        orsaksanalys.record_dialogue,
        SAMORDNARE,
        problem_id=problem,
        held_on=ON - timedelta(days=3),
        form="Trygghetsvandring",
        participants=2,
        outcome="Belysningen vid torget upplevs som otillräcklig",
    )
    with pytest.raises(ValueError, match="personnummer"):
        d(orsaksanalys.record_dialogue, SAMORDNARE, problem, ON, "Möte", 12, "Sa 19121212-1212 om torget")
    with Session(d.engine) as session:
        view = orsaksanalys.analysis_view(session, find_organisation(session, "fagersta"), problem)
    assert [(x.form, x.participants) for x in view.dialogues] == [("Trygghetsvandring", "<3")]
    assert view.state.dialogues == 1


def test_unprioritised_problem_has_no_analysis(d: Driver) -> None:
    problem = d(substance.add_problem, SAMORDNARE, title="Nedskräpning")
    with pytest.raises(RefusedError, match="'Nedskräpning' är inte prioriterat"):
        d(orsaksanalys.mark_not_relevant, SAMORDNARE, problem_id=problem.id, perspective="plats", reason="x")
    with pytest.raises(NotFoundError, match="problem nr 999 finns inte"):
        d(orsaksanalys.record_dialogue, SAMORDNARE, 999, ON, "Enkät", 4, "Inget")


def measure_on(d: Driver, cause_id: int, indicators: list[int]) -> Measure:
    return d(  # type: ignore[no-any-return]
        substance.add_measure,
        SAMORDNARE,
        cause_id=cause_id,
        title="Ny belysning på torget",
        owner="samordnare",
        due_on=date(2027, 9, 30),
        follow_up="Anmälningar om skadegörelse per kvartal",
        operational_goal="Skadegörelsen vid torget minskar med 20 % till 2028",
        indicator_ids=indicators,
        arbetsgrupp="Trygg stadskärna",
        planned_hours=120,
        planned_cost_sek=85000,
    )


def test_an_atgard_from_a_cause_with_indicators_covers_its_problem(d: Driver) -> None:
    problem = prioritised(d)
    place = cause(d, problem, CausePerspective.PLACE, "Mörkt torg")
    with Session(d.engine) as session:
        cycle = active_cycle(session, find_organisation(session, "fagersta"))
        assert atgardsplan.coverage(session, cycle).missing == [
            "ingen åtgärd verkar på orsakerna till 'Skadegörelse i centrum kvällstid'"
        ]
    with pytest.raises(RefusedError, match="indikator nr 9999 finns inte bland Fagersta kommuns indikatorer"):
        measure_on(d, place, [9999])
    without = measure_on(d, place, [])
    with Session(d.engine) as session:
        cycle = active_cycle(session, find_organisation(session, "fagersta"))
        assert atgardsplan.coverage(session, cycle).missing == [
            "ingen åtgärd för 'Skadegörelse i centrum kvällstid' har en indikator som visar effekten"
        ]
    first = indicator_ids(d)[0]
    measure = measure_on(d, place, [first])
    with Session(d.engine) as session:
        organisation = find_organisation(session, "fagersta")
        cycle = active_cycle(session, organisation)
        covered = atgardsplan.coverage(session, cycle)
        view = measure_view(session, organisation, int(measure.id))  # type: ignore[arg-type]
        grouped = plan(session, organisation)
    assert covered.missing == [] and covered.problems[0].measures == 2 and covered.problems[0].with_indicator == 1
    assert (view.arbetsgrupp, view.planned_hours, view.planned_cost_sek, view.indicator_ids) == (
        "Trygg stadskärna",
        120,
        85000,
        [first],
    )
    assert [[m.id for m in c.measures] for c in grouped[0].causes] == [[without.id, measure.id]]


def test_changing_scope_is_a_decision_of_the_styrgrupp(d: Driver) -> None:
    problem = prioritised(d)
    measure = measure_on(d, cause(d, problem, CausePerspective.PLACE, "Mörkt torg"), [])
    with pytest.raises(RefusedError, match="inget i åtgärden 'Ny belysning på torget' ändras"):
        d(atgardsplan.change_measure, SAMORDNARE, measure_id=measure.id, decision_text="Styrgruppen beslutar")
    with pytest.raises(RefusedError, match="har inte varit än"):
        d(atgardsplan.change_measure, SAMORDNARE, measure_id=measure.id, decision_text="x",
          decided_on=ON + timedelta(days=2), due_on=date(2027, 12, 31))  # fmt: skip
    change = d(
        atgardsplan.change_measure,
        SAMORDNARE,
        measure_id=measure.id,
        decision_text="Styrgruppen förlänger åtgärden; leveransen av armaturer är försenad.",
        due_on=date(2027, 12, 31),
        planned_cost_sek=95000,
        indicator_ids=indicator_ids(d)[:1],
        diarienummer="KS 2027/12",
    )
    with Session(d.engine) as session:
        decision = session.get(Decision, change.decision_id)
        stored = session.get(Measure, measure.id)
        from samverkan.models import Body

        body = session.get(Body, decision.body_id)  # type: ignore[union-attr]
    assert body is not None and body.kind == "styrgrupp"
    assert decision is not None and decision.diarienummer == "KS 2027/12" and decision.kind == "atgard"
    assert decision.text.splitlines()[-3:] == [  # in words a person files, not field names and Python lists
        "- Slutdatum: 2027-09-30 → 2027-12-31",
        "- Planerad kostnad: 85\u00a0000 kr → 95\u00a0000 kr",
        "- Indikatorer: inga → Anmälda brott per 100 000 invånare",
    ], decision.text
    assert stored is not None and stored.due_on == date(2027, 12, 31) and stored.planned_cost_sek == 95000
    assert change.before["due_on"] == "2027-09-30" and change.after["indikatorer"] == ["anmalda-brott"]
    assert "measure.change" in d.audit_actions()


def test_cancelling_is_a_decision_and_the_atgard_shows_as_cancelled(d: Driver) -> None:
    problem = prioritised(d)
    measure = measure_on(d, cause(d, problem, CausePerspective.PLACE, "Mörkt torg"), indicator_ids(d)[:1])
    with pytest.raises(NotPermittedError, match="får inte avbryta åtgärder"):
        d(atgardsplan.cancel_measure, KOMMUNDIREKTOR, measure_id=measure.id, decision_text="Avbryts")
    change = d(
        atgardsplan.cancel_measure,
        KOMMUNPOLIS,
        measure_id=measure.id,
        decision_text="Styrgruppen avbryter åtgärden: fastighetsägaren belyser torget själv.",
        decided_on=ON - timedelta(days=1),
    )
    with Session(d.engine) as session:
        organisation = find_organisation(session, "fagersta")
        stored = session.get(Measure, measure.id)
        view = measure_view(session, organisation, int(measure.id))  # type: ignore[arg-type]
        cycle = active_cycle(session, organisation)
        covered = atgardsplan.coverage(session, cycle)
        pending = session.exec(
            select(Notification).where(
                Notification.related_type == Related.MEASURE, Notification.related_id == measure.id
            )
        ).all()
        changes = session.exec(select(MeasureChange)).all()
    assert stored is not None and stored.state == MeasureState.CANCELLED and stored.progress_pct == 0
    assert view.state == "avbruten" and view.cancelled_by == change.decision_id
    assert view.decisions[0].startswith(f"beslut nr {change.decision_id} (2027-01-31): Avbruten åtgärd")
    assert covered.missing == ["ingen åtgärd verkar på orsakerna till 'Skadegörelse i centrum kvällstid'"]
    assert all(n.status != "vantar" for n in pending) and len(changes) == 1
    with pytest.raises(RefusedError, match="är avbruten genom beslut och rapporteras inte längre"):
        d(substance.update_measure, SAMORDNARE, measure_id=measure.id, progress_pct=100)
    with pytest.raises(RefusedError, match="är redan avbruten"):
        d(atgardsplan.cancel_measure, SAMORDNARE, measure_id=measure.id, decision_text="Igen")


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_the_cli_lists_and_shows_causes_and_atgarder_and_changes_them_by_decision(db_url: str) -> None:
    from tests.test_cli_cycle import Cli

    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    cli("cycle", "start", "fagersta", who=SAMORDNARE)
    problem = cli("problem", "add", "fagersta", "Skadegörelse i centrum", who=SAMORDNARE).split()[2].rstrip(":")
    cli("problem", "prioritise", "fagersta", problem, "--rank", "1", who=SAMORDNARE)
    assert cli("cause", "list", "fagersta") == "Inga orsaker är registrerade i den pågående cykeln.\n"
    cause = cli("cause", "add", "fagersta", problem, "--perspective", "plats", "--text", "Mörkt torg",
                "--sources", "Trygghetsvandring", who=KOMMUNPOLIS).split()[2]  # fmt: skip
    cli("cause", "add", "fagersta", problem, "--perspective", "plats", "--indirect", "--parent", "1",
        "--text", "Belysningen underhålls inte", who=KOMMUNPOLIS)  # fmt: skip
    listed = cli("cause", "list", "fagersta", "--problem", problem).splitlines()
    assert "plats/objekt" in listed[0] and listed[1].startswith("  ")  # the underlying cause indented
    shown = cli("cause", "show", "fagersta", cause)
    assert "Källor: Trygghetsvandring" in shown and "Åtgärder: inga" in shown
    refused = cli("analysis", "complete", "fagersta", problem, who=KOMMUNPOLIS, ok=False)
    assert "kan inte slutföras" in refused and "perspektivet brottsutsatt" in refused
    out = cli("analysis", "dialogue", "fagersta", problem, "--held-on", "2027-01-10", "--form", "Enkät",
              "--participants", "40", "--outcome", "Torget upplevs mörkt", who=SAMORDNARE)  # fmt: skip
    assert out == "Medborgardialog 2027-01-10: Enkät\n"
    measure = cli("measure", "add", "fagersta", "--cause", cause, "--title", "Belysning", "--owner", "samordnare",
                  "--due", "2027-09-30", "--follow-up", "Kvartalsvis", "--indicator", "1", "--arbetsgrupp",
                  "Trygg stadskärna", "--planned-hours", "80", who=SAMORDNARE).split()[2].rstrip(":")  # fmt: skip
    assert "Belysning  [grön 0 %, senast 2027-09-30]" in cli("measure", "list", "fagersta")
    changed = cli("measure", "change", "fagersta", measure, "--decision", "Styrgruppen förlänger", "--due",
                  "2027-12-31", who=SAMORDNARE)  # fmt: skip
    assert changed.startswith(f"Åtgärd nr {measure} är ändrad genom beslut nr ")
    cli("measure", "cancel", "fagersta", measure, "--decision", "Styrgruppen avbryter", who=KOMMUNPOLIS)
    shown = cli("measure", "show", "fagersta", measure)
    assert f"Åtgärd nr {measure}: Belysning – AVBRUTEN" in shown and "klart senast 2027-12-31" in shown
    assert "Indikatorer: Anmälda brott per 100 000 invånare" in shown and "Avbruten åtgärd: Belysning" in shown
    data = json.loads(cli("measure", "show", "fagersta", measure, "--json"))
    assert (data["state"], data["arbetsgrupp"], data["planned_hours"]) == ("avbruten", "Trygg stadskärna", 80.0)
    assert "AVBRUTEN" not in cli("measure", "list", "fagersta") and "avbruten" in cli("measure", "list", "fagersta")
    assert "finns inte" in cli("measure", "show", "fagersta", "999", ok=False)


def test_a_cancelled_atgard_is_reminded_of_no_more(engine: Engine) -> None:
    from tests.test_owed import DEADLINE, about, run

    d = fagersta_with_cycle(engine, date(2027, 1, 11))
    problem = prioritised(d)
    measure = d(
        substance.add_measure,
        SAMORDNARE,
        cause_id=cause(d, problem, CausePerspective.PLACE, "Mörkt torg"),
        title="Ny belysning på torget",
        owner="samordnare",
        due_on=DEADLINE,
        follow_up="Anmälningar per kvartal",
    )
    run(d.engine, date(2027, 1, 25), "measure_deadline")
    (reminder,) = about(d.engine, Related.MEASURE)
    assert reminder.status == "vantar"
    d(atgardsplan.cancel_measure, SAMORDNARE, measure_id=measure.id, decision_text="Styrgruppen avbryter")
    (stopped,) = about(d.engine, Related.MEASURE)
    assert (stopped.status, stopped.last_error) == ("stoppad", "stoppad: åtgärden är avbruten genom beslut")
    run(d.engine, date(2027, 1, 31), "measure_deadline")  # the sweep writes none for it either
    assert len(about(d.engine, Related.MEASURE)) == 1
