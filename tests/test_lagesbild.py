"""The joint lägesbild in the service layer: problems with area, category, period and sources; the parties' own
lägesbilder as uploads; the criteria matrix; the prioritisation recorded as ONE decision of the body that the
process definition names for the step, and read back by `prioritisation_of`."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import Body, Decision, EstObservation, Organisation, Phase, Problem, ProblemSource, Upload
from samverkan.models.enums import ProblemSourceKind
from samverkan.services import lagesbild, prioritisation, substance
from samverkan.services.errors import NotPermittedError, RefusedError
from samverkan.services.inputs import AddPartyLagesbild, RankEntry, RecordPrioritisation
from samverkan.services.lagesbild_view import lagesbild_of, problem_of
from samverkan.services.substance import active_cycle
from tests.drive import KOMMUNDIREKTOR, KOMMUNPOLIS, SAMORDNARE, Driver, fagersta_with_cycle

ON = date(2027, 2, 1)
KOMMUNIKATOR = "lena.kommunikator@fagersta.example"


@pytest.fixture
def fagersta(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def _problem(driver: Driver, title: str, **fields: object) -> int:
    problem: Problem = driver(substance.add_problem, SAMORDNARE, title=title, **fields)
    assert problem.id is not None
    return problem.id


def _party_lagesbild(driver: Driver, folder: Path, party: str, title: str, content: bytes) -> int:
    given = AddPartyLagesbild(
        party=party,
        title=title,
        summary="Skadegörelse och otrygghet kring centrum ökar kvällstid.",
        filename=f"{party}.txt",
        content_base64=base64.b64encode(content).decode(),
    )
    with Session(driver.engine) as session, session.begin():
        own = lagesbild.add_party_lagesbild(session, driver.actor(SAMORDNARE), given, folder)
        assert own.id is not None
        return own.id


def _prioritise(
    driver: Driver, actor: str, ranking: list[RankEntry], **fields: object
) -> prioritisation.PrioritisationView:
    with Session(driver.engine) as session, session.begin():
        given = RecordPrioritisation(ranking=ranking, **fields)  # type: ignore[arg-type]
        return prioritisation.record_prioritisation(session, driver.actor(actor), given)


def test_a_problem_carries_area_category_period_and_refuses_a_backwards_period(fagersta: Driver) -> None:
    number = _problem(
        fagersta, "Skadegörelse i centrum", area="Centrum", category="skadegörelse",
        period_from=date(2026, 1, 1), period_to=date(2026, 12, 31), description="Kvällar och helger.",
    )  # fmt: skip
    with Session(fagersta.engine) as session:
        shown = problem_of(session, "fagersta", number)
    assert (shown.area, shown.category, shown.period_from, shown.period_to) == (
        "Centrum", "Skadegörelse", date(2026, 1, 1), date(2026, 12, 31),
    )  # fmt: skip
    with pytest.raises(RefusedError, match="perioden börjar"):
        _problem(fagersta, "Bakvänt", period_from=date(2026, 6, 1), period_to=date(2026, 1, 1))


def test_sources_are_rows_of_their_kind_and_the_est_aggregate_is_counted_over_the_period(
    fagersta: Driver, tmp_path: Path
) -> None:
    number = _problem(fagersta, "Skadegörelse i centrum", period_from=date(2026, 1, 1), period_to=date(2026, 12, 31))
    with Session(fagersta.engine) as session, session.begin():
        org = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        body = session.exec(select(Body).where(Body.organisation_id == org.id, Body.key == "est")).one()
        for day, count in ((date(2026, 3, 1), 4), (date(2026, 5, 1), 6), (date(2025, 5, 1), 50)):
            session.add(EstObservation(
                organisation_id=org.id, body_id=body.id, observed_on=day, category="skadegörelse",
                area="Centrum", source_function="skola", count=count,
            ))  # fmt: skip
    fagersta(
        lagesbild.add_source,
        SAMORDNARE,
        problem_id=number,
        kind=ProblemSourceKind.EST,
        est_category=" SKADEGÖRELSE ",
        est_area="centrum",
    )  # fmt: skip  (the vocabulary's key compares)
    own = _party_lagesbild(fagersta, tmp_path, "fagersta", "Kommunens lägesbild 2026", b"kommunens text")
    fagersta(lagesbild.add_source, SAMORDNARE, problem_id=number, kind=ProblemSourceKind.PARTY_LAGESBILD,
             party_lagesbild_id=own, note="Avsnitt 3")  # fmt: skip
    with Session(fagersta.engine) as session:
        shown = problem_of(session, "fagersta", number)
        rows = session.exec(select(ProblemSource).where(ProblemSource.problem_id == number)).all()
    assert [r.kind for r in rows] == [ProblemSourceKind.EST, ProblemSourceKind.PARTY_LAGESBILD]
    assert rows[1].party_lagesbild_id == own and rows[0].est_category == "Skadegörelse"  # the vocabulary's spelling
    assert shown.sources[0].text == "EST: Skadegörelse i centrum – <3 rapporter, sammanlagt antal 10"  # 2025 outside
    assert shown.sources[1].text == "Partens lägesbild: Kommunens lägesbild 2026"
    assert shown.sources[1].href is not None and shown.sources[1].href.startswith("/org/fagersta/filer/")
    with pytest.raises(RefusedError, match="EST-källa behöver en kategori"):
        fagersta(lagesbild.add_source, SAMORDNARE, problem_id=number, kind=ProblemSourceKind.EST)
    with pytest.raises(RefusedError, match="indikatorer"):
        fagersta(lagesbild.add_source, SAMORDNARE, problem_id=number, kind=ProblemSourceKind.INDICATOR,
                 indicator_id=999)  # fmt: skip


def test_a_partys_lagesbild_is_an_upload_with_a_summary_and_only_a_party_may_have_one(
    fagersta: Driver, tmp_path: Path
) -> None:
    own = _party_lagesbild(fagersta, tmp_path, "lpo-norra-vastmanland", "Polisens lägesbild", b"polisens text")
    with Session(fagersta.engine) as session:
        view = lagesbild_of(session, "fagersta")
        upload = session.exec(select(Upload)).one()
    assert [(o.id, o.party_name, o.filename) for o in view.party_lagesbilder] == [
        (own, "Lokalpolisområde Norra Västmanland", "lpo-norra-vastmanland.txt")
    ]
    assert (tmp_path / upload.sha256).read_bytes() == b"polisens text"
    with pytest.raises(RefusedError, match="ingen part"):
        _party_lagesbild(fagersta, tmp_path, "lansstyrelsen-vastmanland", "Länets", b"x")
    with pytest.raises(RefusedError, match="filtypen"):
        given = AddPartyLagesbild(party="fagersta", title="t", summary="s", filename="virus.exe",
                                  content_base64=base64.b64encode(b"MZ").decode())  # fmt: skip
        with Session(fagersta.engine) as session, session.begin():
            lagesbild.add_party_lagesbild(session, fagersta.actor(SAMORDNARE), given, tmp_path)
    with pytest.raises(RefusedError, match="base64"):
        given = AddPartyLagesbild(party="fagersta", title="t", summary="s", filename="a.txt", content_base64="!!")
        with Session(fagersta.engine) as session, session.begin():
            lagesbild.add_party_lagesbild(session, fagersta.actor(SAMORDNARE), given, tmp_path)


def test_the_matrix_is_prepared_by_the_coordinating_roles_only(fagersta: Driver) -> None:
    number = _problem(fagersta, "Otrygghet vid stationen")
    fagersta(lagesbild.assess_problem, KOMMUNPOLIS, number, 4, 3, 5, 5, 2)
    with Session(fagersta.engine) as session:
        shown = problem_of(session, "fagersta", number)
    assert shown.scores == {"extent": 4, "severity": 3, "trend": 5, "insecurity": 5, "cost": 2}
    assert shown.total == 19
    with pytest.raises(NotPermittedError):
        fagersta(lagesbild.assess_problem, KOMMUNIKATOR, number, 1, 1, 1, 1, 1)


def test_the_prioritisation_is_one_decision_of_the_body_the_process_names(fagersta: Driver) -> None:
    first, second, third = (_problem(fagersta, t) for t in ("Skadegörelse", "Otrygghet", "Cykelstölder"))
    before = fagersta.decisions()
    view = _prioritise(fagersta, SAMORDNARE, [
        RankEntry(problem_id=second, rank=1, reason="Störst otrygghet"),
        RankEntry(problem_id=first, rank=2),
        RankEntry(problem_id=third, reason="Polisen driver det i egen regi"),
    ], diarienummer="KS 2027/12")  # fmt: skip
    assert fagersta.decisions() == before + 1
    with Session(fagersta.engine) as session:
        decision = session.get(Decision, view.decision_id)
        assert decision is not None
        cycle = active_cycle(session, session.exec(select(Organisation).where(Organisation.key == "fagersta")).one())
        phase = session.get(Phase, decision.phase_id)
        body = session.get(Body, decision.body_id)
        assert phase is not None and body is not None
        assert body.kind == phase.deciding_body_key  # the kind the definition names for that phase
        assert (decision.kind, decision.cycle_id, decision.decided_on) == ("prioritering", cycle.id, ON)
        assert "1. Otrygghet" in decision.text and "Cykelstölder: Polisen driver det i egen regi" in decision.text
        again = prioritisation.prioritisation_of(session, cycle)
    assert again == view
    assert [(r.title, r.rank) for r in view.ranked] == [("Otrygghet", 1), ("Skadegörelse", 2)]
    assert [(r.title, r.reason) for r in view.deprioritised] == [("Cykelstölder", "Polisen driver det i egen regi")]
    assert view.body_name == "Styrgrupp för samverkan kommun–polis" and view.undecided == []
    assert "problem.prioritisation" in fagersta.audit_actions()
    late = _problem(fagersta, "Nytt problem efter beslutet")
    fagersta(substance.prioritise, KOMMUNPOLIS, problem_id=first, rank=1)  # one problem changed outside it
    with Session(fagersta.engine) as session:
        later = prioritisation.prioritisation_of(session, cycle)
    assert later is not None and [u.id for u in later.undecided] == [first, late]
    assert [r.title for r in later.ranked] == ["Otrygghet"]


def test_a_ranking_is_refused_with_every_fault_listed(fagersta: Driver) -> None:
    first, second, third = (_problem(fagersta, t) for t in ("A-problem", "B-problem", "C-problem"))
    with pytest.raises(RefusedError) as refused:
        _prioritise(fagersta, SAMORDNARE, [
            RankEntry(problem_id=first, rank=1), RankEntry(problem_id=second, rank=1),
            RankEntry(problem_id=9999, rank=2),
        ])  # fmt: skip
    assert refused.value.missing == [
        "problem nr 9999 finns inte i den pågående cykeln",
        f"problem nr {third} ('C-problem') saknas: ge det en prioritet eller bortprioritera det med skäl",
        "prioritet 1 är given 2 problem; varje prioritet ska vara unik",
    ]
    with pytest.raises(RefusedError) as refused:
        _prioritise(fagersta, SAMORDNARE, [RankEntry(problem_id=n) for n in (first, second, third)])
    assert "minst ett problem ska prioriteras" in refused.value.missing
    assert f"problem nr {first} är bortprioriterat utan skäl" in refused.value.missing
    with pytest.raises(RefusedError, match="beslutsdatumet"):
        _prioritise(fagersta, SAMORDNARE, [RankEntry(problem_id=n, rank=n) for n in (first, second, third)],
                    decided_on=ON + timedelta(days=1))  # fmt: skip
    assert fagersta.decisions() == 0


def test_recording_follows_the_decision_rules_and_a_member_of_the_body_may(fagersta: Driver) -> None:
    only = _problem(fagersta, "Skadegörelse")
    with pytest.raises(NotPermittedError):
        _prioritise(fagersta, KOMMUNIKATOR, [RankEntry(problem_id=only, rank=1)])
    view = _prioritise(fagersta, KOMMUNDIREKTOR, [RankEntry(problem_id=only, rank=1)])  # a styrgrupp member
    assert view.recorded_by == "Eva Direktör"


def test_the_body_is_chosen_by_the_definitions_kind_and_refused_when_the_organisation_lacks_it(
    fagersta: Driver,
) -> None:
    only = _problem(fagersta, "Skadegörelse")
    with Session(fagersta.engine) as session, session.begin():
        for body in session.exec(select(Body).where(Body.kind == "styrgrupp")).all():
            body.kind = "arbetsgrupp"  # type: ignore[assignment]
            session.add(body)
    with pytest.raises(RefusedError, match="inget sådant organ"):
        _prioritise(fagersta, SAMORDNARE, [RankEntry(problem_id=only, rank=1)])
    with Session(fagersta.engine) as session:
        assert lagesbild_of(session, "fagersta").deciding_body is None
