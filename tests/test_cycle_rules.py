"""The cycle's rules and every refusal path, with the messages a coordinator sees."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.issues import ConfigError
from samverkan.models import ChecklistItem, Evidence, Phase
from samverkan.models.enums import AgreementStatus, CausePerspective, EvidenceKind, ItemStatus, PhaseStatus
from samverkan.process.definition import available_definitions, load_definition, parse_definition
from samverkan.services import agreements, cycle, handover, orsaksanalys, substance
from samverkan.services.errors import ConflictError, NotPermittedError, RefusedError
from tests.conftest import EXAMPLES
from tests.drive import (
    KOMMUNDIREKTOR,
    KOMMUNPOLIS,
    LPO_CHEF,
    SAMORDNARE,
    Driver,
    agree_on,
    decided,
    dialog,
    doc,
    evidence,
    fagersta_with_cycle,
    finish_initiera,
    prioritise_all,
)

ON = date(2027, 1, 11)


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def test_only_the_owning_role_may_complete_an_item(d: Driver) -> None:
    with pytest.raises(NotPermittedError) as refused:
        d(cycle.complete_item, KOMMUNDIREKTOR, "roller-och-ansvar", doc("Roller"))
    assert str(refused.value) == (
        "Eva Direktör (eva.direktor@fagersta.example) får inte markera 'Varje organisations förutsättningar, "
        "ansvar, roller och uppgifter är identifierade' som klar i Fagersta kommun den 2027-01-11: det kräver "
        "rollen Kommunpolis. Innehavare: Kommunpolis: Johan Prövare"
    )


def test_evidence_of_the_wrong_kind_or_missing_is_refused(d: Driver) -> None:
    with pytest.raises(RefusedError, match="kräver bevis av typen beslut, inte dokument"):
        d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", doc("Ett dokument"))
    with pytest.raises(RefusedError, match="ett dokument som bevis behöver en plats"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", evidence(EvidenceKind.DOCUMENT, "Roller"))
    with pytest.raises(RefusedError, match="beviset behöver en rubrik"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", evidence(EvidenceKind.DOCUMENT, " ", "x"))
    with pytest.raises(RefusedError, match=r"ett protokollfört beslut i Fagersta kommun; beslut nr 999 finns inte"):
        d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(999))


def test_a_link_must_be_http(d: Driver) -> None:
    finish_initiera(d)
    # jump to an item that takes a link: not open yet, refused with where we are
    with pytest.raises(
        RefusedError, match="hör till fasen Överenskommelse, som inte har öppnats än; nu pågår Lägesbild"
    ):
        d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", evidence(EvidenceKind.LINK, "x", "https://x.example"))
    with pytest.raises(ValidationError, match="en adress av typen ftp: tas inte emot som bevis"):
        evidence(EvidenceKind.LINK, "x", "ftp://x")


def test_completing_twice_is_a_clear_conflict(d: Driver) -> None:
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    with pytest.raises(
        ConflictError,
        match=r"är redan markerad som klar \(Johan Prövare, 2027|är redan markerad som klar \(Johan Prövare",
    ):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller igen"))


def test_advancing_lists_exactly_what_is_missing(d: Driver) -> None:
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_phase, SAMORDNARE)
    assert refused.value.missing == [
        "Polisledningen och kommunstyrelsen har fattat ett gemensamt beslut om samverkan [beslut-om-samverkan] – "
        "ansvarig: Brottsförebyggande samordnare: Maria Exempelsson; bevis: beslut",
        "En gemensam samverkansorganisation finns och ansvariga personer är utsedda [organisation-utsedd] – "
        "ansvarig: Brottsförebyggande samordnare: Maria Exempelsson; bevis: beslut",
        "Kommunikationsansvarig är utsedd och en kommunikationsplan är påbörjad [kommunikationsplan] – "
        "ansvarig: Brottsförebyggande samordnare: Maria Exempelsson; bevis: dokument",
    ]
    assert str(refused.value).startswith("Fasen Initiera samverkan kan inte avslutas. Det saknas:\n  - ")


def test_only_one_active_cycle(d: Driver) -> None:
    with pytest.raises(RefusedError, match="har redan en pågående cykel \\(nr 1\\)"):
        d(cycle.start_cycle, KOMMUNPOLIS)


def test_unknown_definition_and_missing_functions(engine: Engine) -> None:
    umea = Driver(engine, "umea", ON)
    umea.load(EXAMPLES / "umea.yaml")
    with pytest.raises(Exception, match="processdefinitionen 'okand' finns inte"):
        umea(cycle.start_cycle, "sofia.processledare@umea.example", "okand")
    assert umea(cycle.start_cycle, "sofia.processledare@umea.example").number == 1  # processledare = samordnare


def test_measure_needs_cause_owner_deadline_and_follow_up(d: Driver) -> None:
    with pytest.raises(RefusedError) as refused:
        d(
            substance.add_measure,
            SAMORDNARE,
            cause_id=None,
            title="Fler vuxna på stan",
            owner="fritidsgard",
            due_on=ON - timedelta(days=1),
            follow_up=" ",
        )
    assert str(refused.value).splitlines() == [
        "Åtgärden kan inte läggas till. Det saknas:",
        "  - vilken orsak åtgärden verkar på (en åtgärd utan orsak följs inte upp mot problemet)",
        "  - en ansvarig roll som finns i Fagersta kommun (fick 'fritidsgard')",
        "  - ett slutdatum som inte redan passerat (fick 2027-01-10)",
        "  - hur åtgärden ska följas upp",
    ]


def test_causes_only_for_prioritised_problems_and_analysis_needs_a_cause(d: Driver) -> None:
    problem = d(substance.add_problem, SAMORDNARE, title="Klotter vid skolan")
    with pytest.raises(RefusedError, match="'Klotter vid skolan' är inte prioriterat"):
        d(
            substance.add_cause,
            KOMMUNPOLIS,
            problem_id=problem.id,
            perspective=CausePerspective.PLACE,
            direct=True,
            description="Skymd fasad",
        )
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1)
    with pytest.raises(RefusedError, match="kan inte vara klar utan minst en orsak"):
        d(substance.complete_analysis, KOMMUNPOLIS, problem_id=problem.id)
    first = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem.id,
        perspective=CausePerspective.PLACE,
        direct=True,
        description="Skymd fasad",
    )
    second = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem.id,
        perspective=CausePerspective.SITUATION,
        direct=False,
        description="Ingen vuxennärvaro kvällstid",
        parent=first.number,
    )
    assert (first.number, second.number, second.parent_id) == (1, 2, first.id)


def test_one_signature_leaves_the_agreement_pending_and_others_cannot_sign(d: Driver) -> None:
    agree_on(d)
    result = d(agreements.sign, LPO_CHEF)
    assert result.status == AgreementStatus.PENDING_SIGNATURES
    assert result.missing == ["Fagersta kommun"]
    with pytest.raises(ConflictError, match="Lokalpolisområde Norra Västmanland har redan skrivit under"):
        d(agreements.sign, LPO_CHEF)
    with pytest.raises(NotPermittedError) as refused:
        d(agreements.sign, SAMORDNARE)
    assert "ingen av personens roller undertecknar för en part" in str(refused.value)
    assert "Kommunstyrelsens ordförande: vakant" in str(refused.value)  # the KSO's term ended 2026-12-31


def test_handover_moves_open_work_to_the_successor(d: Driver) -> None:
    d(
        handover.handover,
        LPO_CHEF,  # the police hands over its own role
        role_key="kommunpolis",
        to_email="kim.ny@polisen.example",
        to_name="Kim Ny",
        starts_on=ON,
    )
    with pytest.raises(NotPermittedError, match=r"Johan Prövare .* får inte"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, "kim.ny@polisen.example", "roller-och-ansvar", doc("Roller"))
    with Session(d.engine) as session:
        pack = handover.handover_pack(session, "fagersta", "kommunpolis", ON)
    assert pack.holders == ["Kim Ny <kim.ny@polisen.example>"]
    assert [i["key"] for i in pack.open_items][:2] == ["polisens-lagesbild", "medarbetardialoger"]


def test_handover_needs_a_permitted_actor_and_a_name_for_new_people(d: Driver) -> None:
    with pytest.raises(NotPermittedError, match="får inte lämna över roller"):
        d(handover.handover, "olle.bovard@bostad.example", role_key="samordnare", to_email="x@y.se", to_name="X")
    with pytest.raises(RefusedError, match="ange namnet"):
        d(handover.handover, SAMORDNARE, role_key="samordnare", to_email="ny@fagersta.example")


def test_reopen_goes_back_with_a_reason_and_keeps_history(d: Driver) -> None:
    finish_initiera(d)
    d(cycle.complete_item, SAMORDNARE, "kommunens-lagesbild", doc("Kommunens lägesbild"))
    with pytest.raises(RefusedError, match="ett omtag behöver ett skäl"):
        d(cycle.reopen_phase, SAMORDNARE, "initiera", " ")
    with pytest.raises(RefusedError, match="omtag går bara till en tidigare fas"):
        d(cycle.reopen_phase, SAMORDNARE, "orsaksanalys", "fel håll")
    moved = d(cycle.reopen_phase, SAMORDNARE, "initiera", "Ny kommunstyrelse efter valet")
    assert moved.opened_phase == "Initiera samverkan"
    with Session(d.engine) as session:
        phases = {p.key: p for p in session.exec(select(Phase)).all()}
        assert phases["initiera"].status == PhaseStatus.ACTIVE
        assert phases["lagesbild"].status == PhaseStatus.NOT_STARTED
        assert phases["initiera"].history[-1]["reason"] == "Ny kommunstyrelse efter valet"
        items = session.exec(select(ChecklistItem).where(ChecklistItem.phase_id == phases["initiera"].id)).all()
        assert {i.status for i in items} == {ItemStatus.OPEN}
        kept = session.exec(select(Evidence)).all()
        assert len(kept) == 5  # the evidence of the first round is kept as history
        done_later = session.exec(select(ChecklistItem).where(ChecklistItem.key == "kommunens-lagesbild")).one()
        assert done_later.status == ItemStatus.DONE


def test_deadlines_are_set_by_the_steering_group(d: Driver) -> None:
    with pytest.raises(NotPermittedError, match="sätta tidsfrister \\(det gör styrgruppen\\)"):
        d(cycle.set_deadline, "lena.kommunikator@fagersta.example", "kommunens-lagesbild", date(2027, 2, 1))
    item = d(cycle.set_deadline, KOMMUNDIREKTOR, "kommunens-lagesbild", date(2027, 2, 1))
    assert item.due_on == date(2027, 2, 1)


def test_default_deadlines_come_from_the_definition(d: Driver) -> None:
    finish_initiera(d)
    with Session(d.engine) as session:
        items = {i.key: i for i in session.exec(select(ChecklistItem)).all()}
    assert items["kommunens-lagesbild"].due_on == ON + timedelta(days=60)
    assert items["gemensam-lagesbild"].due_on == ON + timedelta(days=120)
    assert items["orsaksanalyser"].due_on is None  # its phase has not opened


def test_a_cycle_runs_on_trygg_i_goteborg_too(engine: Engine) -> None:
    a = Driver(engine, "angered", ON)
    a.load(EXAMPLES / "angered.yaml")
    koordinator, polis = "leila.koordinator@goteborg.example", "jesper.kommunpolis@polisen.example"
    assert a(cycle.start_cycle, koordinator, "trygg-i-goteborg").definition_key == "trygg-i-goteborg"
    a(cycle.complete_item, koordinator, "lagesbild-framtagen", doc("Lägesbild Angered"))
    problem = a(substance.add_problem, koordinator, title="Otrygghet vid Angereds centrum kvällstid")
    decision = prioritise_all(a, [problem.id], actor=koordinator)
    assert a(cycle.complete_item, koordinator, "problem-prioriterade", decided(decision)).opened_phase == (
        "2. Problembild"
    )
    cause = a(
        substance.add_cause,
        polis,
        problem_id=problem.id,
        perspective=CausePerspective.SITUATION,
        direct=True,
        description="Folksamlingar vid hållplatsen",
    )
    for perspective in (CausePerspective.VICTIM, CausePerspective.OFFENDER, CausePerspective.PLACE):
        a(orsaksanalys.mark_not_relevant, polis, problem_id=problem.id, perspective=perspective, reason="situationen")
    a(substance.complete_analysis, polis, problem_id=problem.id)
    assert a(cycle.complete_item, polis, "orsaker-analyserade", doc("Problembild")).opened_phase == ("3. Syfte och mål")
    with Session(engine) as session:
        assert [p.name for p in session.exec(select(Phase).order_by(Phase.ordinal)).all()] == [
            "1. Lägesbild",
            "2. Problembild",
            "3. Syfte och mål",
            "4. Metod, resurs och organisation",
            "5. Aktivitet och åtgärd",
            "6. Uppföljning",
        ]
    assert cause.number == 1


def test_definitions_ship_and_a_broken_one_is_located() -> None:
    assert available_definitions() == ["samverkan", "trygg-i-goteborg"]
    assert len(load_definition("samverkan").phases) == 6
    broken = """\
key: trasig
name: Trasig
version: 1
phases:
  - key: a
    name: A
    items:
      - {key: x, title: X, owner: samordnare, evidence: papper}
  - key: b
    name: B
    items:
      - {key: y, title: Y, owner: samordnare, evidence: dokument, requirement: magi}
"""
    with pytest.raises(ConfigError) as failure:
        parse_definition(broken, "trasig.yaml")
    lines = [str(issue) for issue in failure.value.issues]
    assert lines[0].startswith("trasig.yaml:8: 'papper' är inte tillåtet")
    assert lines[1].startswith("trasig.yaml:12: 'magi' är inte tillåtet")


def test_requirements_are_rechecked_when_advancing(d: Driver) -> None:
    finish_initiera(d)
    for key, who in (
        ("kommunens-lagesbild", SAMORDNARE),
        ("polisens-lagesbild", KOMMUNPOLIS),
        ("gemensam-lagesbild", SAMORDNARE),
    ):
        d(cycle.complete_item, who, key, doc(key))
    d(cycle.complete_item, KOMMUNPOLIS, "medarbetardialoger", dialog("Dialog"))
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(d.decision("Tagit del")))
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse")
    # the last item completes the phase at once: the engine moves the cycle on
    moved = d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(prioritise_all(d, [problem.id])))
    assert moved.opened_phase == "Orsaksanalys"


def test_a_kommuns_own_definition_in_the_process_dir(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "processer"
    own.mkdir()
    (own / "kort-cykel.yaml").write_text(
        "key: kort-cykel\nname: Kort cykel\nversion: 1\nphases:\n"
        "  - key: lagesbild\n    name: Lägesbild\n    items:\n"
        "      - {key: lb, title: Lägesbild klar, owner: samordnare, evidence: dokument}\n"
        "  - key: uppfoljning\n    name: Uppföljning\n    items:\n"
        "      - {key: up, title: Uppföljd, owner: kommunpolis, evidence: dokument}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SAMVERKAN_PROCESS_DIR", str(own))
    assert available_definitions() == ["kort-cykel", "samverkan", "trygg-i-goteborg"]
    f = Driver(engine, "fagersta", ON)
    f.load(EXAMPLES / "fagersta.yaml")
    f(cycle.start_cycle, SAMORDNARE, "kort-cykel")
    f(cycle.complete_item, SAMORDNARE, "lb", doc("Lägesbild"))
    moved = f(cycle.complete_item, KOMMUNPOLIS, "up", doc("Uppföljning"))
    assert (moved.closed_cycle, moved.new_cycle, moved.opened_phase) == (1, 2, "Lägesbild")


def test_process_validate_command_locates_problems(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from samverkan.cli.main import app

    broken = tmp_path / "fel-namn.yaml"
    broken.write_text(
        "key: annat\nname: X\nversion: 1\nphases:\n  - key: a\n    name: A\n    items: []\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["process", "validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:7: får inte vara tomt (phases[0].items)" in result.stderr
    ok = CliRunner().invoke(app, ["process", "validate", "process/definitions/samverkan.yaml"])
    assert ok.stdout == "process/definitions/samverkan.yaml: giltig (6 faser)\n"


def test_a_decision_records_body_date_text_and_is_signed_by_the_chair(d: Driver) -> None:
    decision_id = d.decision("Inriktningsbeslut kvartal 1")
    with pytest.raises(NotPermittedError, match="det gör ordföranden i Styrgrupp för samverkan kommun–polis"):
        d(agreements.sign_decision, SAMORDNARE, decision_id)
    d(
        handover.handover,
        SAMORDNARE,
        role_key="kso",
        to_email="nadja.nyval@fagersta.example",
        to_name="Nadja Nyval",
        starts_on=date(2027, 1, 1),
    )
    view = d(agreements.sign_decision, "nadja.nyval@fagersta.example", decision_id)
    assert (view.body, view.decided_on, view.recorded_by) == (
        "Styrgrupp för samverkan kommun–polis",
        "2027-01-11",
        "Maria Exempelsson",
    )
    assert view.text == "Styrgruppen beslutar: Inriktningsbeslut kvartal 1."
    assert view.signatories[0].startswith("Nadja Nyval (Kommunstyrelsens ordförande, ")
    with pytest.raises(ConflictError, match="är redan justerat"):
        d(agreements.sign_decision, "nadja.nyval@fagersta.example", decision_id)
    with pytest.raises(RefusedError, match="ett beslut behöver både rubrik och beslutstext"):
        d(agreements.record_decision, SAMORDNARE, body_key="styrgrupp", kind="beslut", title="X", text=" ")
