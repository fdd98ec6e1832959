"""The verkningskedja service: each gap kind named where it is, and a chain without gaps once every link holds;
measurements entered by hand (who may, what is refused); the chain as JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.database import session_scope
from samverkan.models import AuditEntry, Indicator, Measure, MeasureIndicator, Measurement, Organisation
from samverkan.models.enums import CausePerspective
from samverkan.services import agreement_content, atgardsplan, cycle, indicators, orsaksanalys, substance
from samverkan.services.chain import Chain, current_chain, measures_by_status
from samverkan.services.errors import NotPermittedError, RefusedError
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, LPO_CHEF, SAMORDNARE, Driver
from tests.test_measurements import cli

ON = date(2027, 2, 1)
NOT_COORDINATING = LPO_CHEF  # a signatory, not a coordinating role


@pytest.fixture
def fagersta(engine: Engine) -> Driver:
    d = Driver(engine, "fagersta", ON)
    d.load(EXAMPLES / "fagersta.yaml")
    d(cycle.start_cycle, SAMORDNARE)
    return d


def chain_of(d: Driver) -> Chain:
    with Session(d.engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        return current_chain(session, organisation, d.on)


def indicator_id(d: Driver, key: str) -> int:
    with Session(d.engine) as session:
        found = session.exec(select(Indicator).where(Indicator.key == key)).one()
        assert found.id is not None
        return found.id


def link(d: Driver, measure_id: int, key: str) -> None:
    with session_scope(d.engine) as session:  # the measure–indicator link (the åtgärd form of `orsak` makes it)
        session.add(MeasureIndicator(measure_id=measure_id, indicator_id=indicator_id(d, key)))


def build(d: Driver) -> dict[str, int]:
    """Two prioritised problems: the first analysed (not completed) with two causes, one åtgärd with two
    indicators and one without any; the second without an analysis."""
    first = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    second = d(substance.add_problem, SAMORDNARE, title="Otrygghet vid resecentrum")
    d(substance.add_problem, SAMORDNARE, title="Nedskräpning i parken")  # not prioritised: not in the chain
    d(substance.prioritise, SAMORDNARE, problem_id=first.id, rank=1)
    d(substance.prioritise, SAMORDNARE, problem_id=second.id, rank=2)
    place = d(substance.add_cause, KOMMUNPOLIS, problem_id=first.id, perspective=CausePerspective.PLACE,
              description="Mörkt torg med skymda siktlinjer")  # fmt: skip
    offender = d(substance.add_cause, KOMMUNPOLIS, problem_id=first.id, perspective=CausePerspective.OFFENDER,
                 description="Unga samlas utan vuxna", direct=False, parent=1)  # fmt: skip
    light = d(substance.add_measure, SAMORDNARE, cause_id=place.id, title="Ny belysning på torget",
              owner="samordnare", due_on=date(2027, 9, 30), follow_up="Anmälningar per kvartal")  # fmt: skip
    guards = d(substance.add_measure, SAMORDNARE, cause_id=place.id, title="Ordningsvakter fredagar",
               owner="kommunpolis", due_on=date(2027, 6, 30), follow_up="Rapport från vakterna")  # fmt: skip
    link(d, light.id, "anmalda-brott")
    link(d, light.id, "ntu-utsatthet")
    d(indicators.add_measurement, SAMORDNARE, indicator_id=indicator_id(d, "anmalda-brott"), period="2025",
      value="10 500,5", preliminary=True)  # fmt: skip
    d(indicators.add_measurement, SAMORDNARE, indicator_id=indicator_id(d, "ntu-utsatthet"), period="2023",
      value=17.2)  # fmt: skip
    return {"first": first.id, "second": second.id, "place": place.id, "offender": offender.id,
            "light": light.id, "guards": guards.id}  # fmt: skip


def test_a_cycle_without_prioritised_problems_has_a_chain_with_no_beginning(fagersta: Driver) -> None:
    chain = chain_of(fagersta)
    assert [g.kind for g in chain.gaps] == ["inga_prioriterade_problem"]
    assert "har inga prioriterade problem" in chain.gaps[0].text


def test_every_gap_kind_is_named_where_it_is(fagersta: Driver) -> None:
    ids = build(fagersta)
    with session_scope(fagersta.engine) as session:  # a row from before the rule: no follow-up written
        guards = session.get(Measure, ids["guards"])
        assert guards is not None
        guards.follow_up = " "
    chain = chain_of(fagersta)
    assert [p.problem.title for p in chain.problems] == [
        "Skadegörelse i centrum kvällstid",
        "Otrygghet vid resecentrum",
    ]
    found = {(g.kind, g.anchor) for g in chain.gaps}
    assert found == {
        ("analys_ej_klar", f"problem-{ids['first']}"),
        ("orsak_utan_atgard", f"orsak-{ids['offender']}"),
        ("atgard_utan_indikator", f"atgard-{ids['guards']}"),
        ("atgard_utan_uppfoljning", f"atgard-{ids['guards']}"),
        ("problem_utan_analys", f"problem-{ids['second']}"),
        ("indikator_utan_varde", f"indikator-{indicator_id(fagersta, 'ntu-utsatthet')}"),
    }
    texts = {g.kind: g.text for g in chain.gaps}
    assert (
        texts["problem_utan_analys"]
        == "Det prioriterade problemet ”Otrygghet vid resecentrum” (prioritet 2) saknar orsaksanalys."
    )
    assert "Orsak 2 till ”Skadegörelse i centrum kvällstid” (prioritet 1)" in texts["orsak_utan_atgard"]
    assert "senaste värdet är från 2023" in texts["indikator_utan_varde"]
    cause = chain.problems[0].causes[1]
    assert (cause.cause.number, cause.parent_number) == (2, 1)  # the underlying cause points at its parent
    light = chain.problems[0].causes[0].measures[0]
    assert [v.indicator.key for v in light.indicators] == ["anmalda-brott", "ntu-utsatthet"]
    recent = light.indicators[0]
    assert (recent.recent, recent.latest and recent.latest.value, recent.latest and recent.latest.preliminary) == (
        True, 10500.5, True)  # fmt: skip
    assert recent.verdict == "inget_mal"  # Fagersta's file sets no target for anmälda brott


def test_a_complete_chain_has_no_gaps(fagersta: Driver) -> None:
    ids = build(fagersta)
    d = fagersta
    d(substance.add_measure, SAMORDNARE, cause_id=ids["offender"], title="Fältassistenter kvällstid",
      owner="samordnare", due_on=date(2027, 12, 31), follow_up="Antal kvällar med fältarbete")  # fmt: skip
    with Session(d.engine) as session:
        for measure in session.exec(select(Measure)).all():
            if measure.id != ids["light"]:
                link(d, measure.id or 0, "anmalda-brott")
    d(indicators.add_measurement, SAMORDNARE, indicator_id=indicator_id(d, "ntu-utsatthet"), period="2025",
      value=16.0)  # fmt: skip
    for perspective in (CausePerspective.VICTIM,):
        d(orsaksanalys.mark_not_relevant, SAMORDNARE, problem_id=ids["first"], perspective=perspective,
          reason="Inga enskilda drabbade; egendom")  # fmt: skip
    d(substance.complete_analysis, SAMORDNARE, problem_id=ids["first"])
    cause = d(substance.add_cause, KOMMUNPOLIS, problem_id=ids["second"], perspective=CausePerspective.VICTIM,
              description="Dålig belysning vid perrongen")  # fmt: skip
    measure = d(substance.add_measure, SAMORDNARE, cause_id=cause.id, title="Trygghetsvandring",
                owner="samordnare", due_on=date(2027, 5, 31), follow_up="Antal synpunkter")  # fmt: skip
    link(d, measure.id, "ntu-utsatthet")
    for perspective in (CausePerspective.OFFENDER, CausePerspective.PLACE):
        d(orsaksanalys.mark_not_relevant, SAMORDNARE, problem_id=ids["second"], perspective=perspective,
          reason="Otryggheten gäller upplevelsen, inte brott")  # fmt: skip
    d(substance.complete_analysis, SAMORDNARE, problem_id=ids["second"])
    chain = chain_of(d)
    assert chain.gaps == []
    as_json = chain.to_dict()
    assert as_json["luckor"] == []
    problems = as_json["problem"]
    assert isinstance(problems, list) and problems[0]["orsaker"][0]["atgarder"][0]["indikatorer"][1]["senaste"] == {
        "period": "2025", "varde": 16.0, "preliminart": False}  # fmt: skip


def test_a_measurement_by_hand_is_audited_and_refused_in_swedish(fagersta: Driver) -> None:
    d = fagersta
    ntu = indicator_id(d, "ntu-utsatthet")
    report = d(indicators.add_measurement, KOMMUNPOLIS, indicator_id=ntu, period="2026-q1", value="18,4")
    assert report.created == 1
    again = d(indicators.add_measurement, KOMMUNPOLIS, indicator_id=ntu, period="2026-Q1", value=18.0)
    assert again.updated == 1
    with Session(d.engine) as session:
        stored = session.exec(select(Measurement).where(Measurement.indicator_id == ntu)).one()
        assert (stored.period, stored.value) == ("2026-Q1", 18.0)
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "measurement.add")).all()
        assert len(audited) == 2
    with pytest.raises(RefusedError, match="'2026-13' är ingen period"):
        d(indicators.add_measurement, SAMORDNARE, indicator_id=ntu, period="2026-13", value=1)
    with pytest.raises(RefusedError, match="perioden 2031 har inte börjat"):
        d(indicators.add_measurement, SAMORDNARE, indicator_id=ntu, period="2031", value=1)
    with pytest.raises(NotPermittedError):
        d(indicators.add_measurement, NOT_COORDINATING, indicator_id=ntu, period="2026", value=1)


def test_the_command_line_adds_lists_and_shows_the_chain(fagersta: Driver, db_url: str) -> None:
    ids = build(fagersta)
    ntu = indicator_id(fagersta, "ntu-utsatthet")
    on = ("--as", SAMORDNARE, "--date", ON.isoformat())
    code, out, err = cli(
        db_url, "measurements", "add", "fagersta", str(ntu), "--period", "2025", "--value", "16,4", *on
    )
    assert (code, out.strip()) == (0, "1 nya, 0 ändrade, 0 oförändrade"), err
    code, out, _ = cli(db_url, "measurements", "list", "fagersta", "--date", ON.isoformat())
    assert code == 0
    assert f"{ntu:>4}  Utsatthet för brott mot enskild person (NTU): Senast 16,4 (2025); inget mål är satt" in out
    code, _, err = cli(db_url, "measurements", "add", "fagersta", str(ntu), "--period", "i fjol", "--value", "1", *on)
    assert code == 1 and "'i fjol' är ingen period" in err
    code, out, _ = cli(db_url, "chain", "fagersta", "--date", ON.isoformat())
    assert code == 0
    assert "1. Skadegörelse i centrum kvällstid" in out
    assert f"Åtgärd nr {ids['light']}: Ny belysning på torget (grön, 0 %)" in out
    assert "Luckor: 4" in out and "  - Det prioriterade problemet ”Otrygghet vid resecentrum”" in out
    code, out, _ = cli(db_url, "chain", "fagersta", "--date", ON.isoformat(), "--json")
    assert code == 0 and json.loads(out)["cykel"] == 1


def test_a_cancelled_measure_does_not_cover_its_cause(fagersta: Driver) -> None:
    ids = build(fagersta)
    fagersta(atgardsplan.cancel_measure, SAMORDNARE, measure_id=ids["guards"], decision_text="Ersätts av belysningen")
    fagersta(atgardsplan.cancel_measure, SAMORDNARE, measure_id=ids["light"], decision_text="Ingen budget i år")
    chain = chain_of(fagersta)
    place = chain.problems[0].causes[0]
    assert [m.status_key for m in place.measures] == ["avbruten", "avbruten"]  # still shown, as cancelled
    kinds = {(g.kind, g.anchor) for g in chain.gaps}
    assert ("orsak_utan_atgard", f"orsak-{ids['place']}") in kinds
    assert ("atgard_utan_indikator", f"atgard-{ids['guards']}") not in kinds  # a cancelled åtgärd has no gaps
    assert [(b.label, b.value) for b in measures_by_status(chain).bars][-1] == ("avbruten", 2)


def test_the_agreements_goal_is_the_target_of_an_indicator_without_its_own(fagersta: Driver) -> None:
    ids = build(fagersta)
    crimes = indicator_id(fagersta, "anmalda-brott")
    fagersta(agreement_content.add_goal, SAMORDNARE, indicator_id=crimes, description="Färre anmälda brott",
             target_value=10000, target_year=2030)  # fmt: skip
    chain = chain_of(fagersta)
    light = next(m for c in chain.problems[0].causes for m in c.measures if m.measure.id == ids["light"])
    view = light.indicators[0]
    assert (view.target.value, view.target.year, view.agreed, view.verdict) == (10000, 2030, True, "ej_nadd")
    assert view.verdict_text == "Senast 10\u00a0500,5 (2025): målet 10\u00a0000 enligt överenskommelsen är inte nått"
    assert [r.kind for r in view.chart().references] == ["utgangsvarde", "mal", "riket"]  # drawn in the chart
