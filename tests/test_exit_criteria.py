"""Exit criteria as facts, evidence checked for real, and omtag that keeps the chain true (issue 12, items 8–9)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import AuditEntry, ChecklistItem, Evidence, Phase, Problem
from samverkan.models.enums import CausePerspective, EvidenceKind, ItemStatus, PhaseStatus
from samverkan.services import agreement_content, agreements, cycle, follow_up, handover, orsaksanalys, substance
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import EvidenceInput
from tests.drive import (
    KOMMUNPOLIS,
    LPO_CHEF,
    NY_KSO,
    SAMORDNARE,
    Driver,
    agree_on,
    communicate,
    decided,
    dialog,
    doc,
    evidence,
    fagersta_with_cycle,
    finish_initiera,
    indicator_id,
    link,
    prioritise_all,
    promise_text,
)

ON = date(2027, 1, 11)
TRIANGLE = {CausePerspective.VICTIM, CausePerspective.OFFENDER, CausePerspective.PLACE}


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def to_prioritisation(d: Driver) -> Problem:
    finish_initiera(d)
    for key, who in (("kommunens-lagesbild", SAMORDNARE), ("polisens-lagesbild", KOMMUNPOLIS)):
        d(cycle.complete_item, who, key, doc(key))
    d(cycle.complete_item, SAMORDNARE, "gemensam-lagesbild", doc("Gemensam lägesbild"))
    d(cycle.complete_item, KOMMUNPOLIS, "medarbetardialoger", dialog("Dialog"))
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(d.decision("Tagit del")))
    return d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")


def analysed(d: Driver, problem_id: int, perspective: CausePerspective, cause: str) -> int:
    """An orsaksanalys with one cause; the other corners of the problem triangle not relevant. The cause's id."""
    made = d(
        substance.add_cause, KOMMUNPOLIS, problem_id=problem_id, perspective=perspective, direct=True,
        description=cause,
    )  # fmt: skip
    for other in TRIANGLE - {perspective}:
        d(orsaksanalys.mark_not_relevant, KOMMUNPOLIS, problem_id=problem_id, perspective=other, reason="platsen styr")
    d(substance.complete_analysis, KOMMUNPOLIS, problem_id=problem_id, summary="En trolig orsak")
    return int(made.id)


def to_agreement_signed(d: Driver, engine: Engine) -> int:
    """Fagersta through lägesbild and orsaksanalys, with the agreement signed; returns the åtgärd's cause id."""
    problem = to_prioritisation(d)
    d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(prioritise_all(d, [problem.id])))
    cause = analysed(d, problem.id, CausePerspective.PLACE, "Dålig belysning vid torget")
    d(cycle.complete_item, KOMMUNPOLIS, "orsaksanalyser", doc("Orsaksanalys"))
    d(cycle.complete_item, SAMORDNARE, "medborgardialog", dialog("Trygghetsvandring"))
    d(cycle.complete_item, SAMORDNARE, "mal-formulerade", doc("Mål"))
    agree_on(d, [problem.id])
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=date(2027, 1, 1))
    d(agreements.sign, NY_KSO)
    d(agreements.sign, LPO_CHEF)
    d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Undertecknad överenskommelse"))
    return cause


def items(engine: Engine) -> dict[str, ChecklistItem]:
    with Session(engine) as session:
        return {item.key: item for item in session.exec(select(ChecklistItem)).all()}


# -- evidence ---------------------------------------------------------------------------------------


def test_blank_titles_and_places_are_refused(d: Driver) -> None:
    with pytest.raises(RefusedError, match="rubriken är tom"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", evidence(EvidenceKind.DOCUMENT, "   ", "diarium:1"))
    with pytest.raises(RefusedError, match="ett dokument som bevis behöver en plats"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", evidence(EvidenceKind.DOCUMENT, "Roller", "  "))


def test_a_decision_must_be_by_the_body_the_item_names(d: Driver) -> None:
    by_lokala_bra = d.decision("Beslut om samverkan", body="lokala-bra")
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(by_lokala_bra))
    assert str(refused.value) == (
        "'Polisledningen och kommunstyrelsen har fattat ett gemensamt beslut om samverkan' ska visas med ett beslut "
        f"av Styrgrupp för samverkan kommun–polis; beslut nr {by_lokala_bra} är fattat av Lokala BRÅ Fagersta"
    )
    assert items(d.engine)["beslut-om-samverkan"].status == ItemStatus.OPEN
    by_styrgrupp = d.decision("Beslut om samverkan")
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(by_styrgrupp))
    with Session(d.engine) as session:
        kept = session.exec(select(Evidence)).one()
    assert kept.decision_id is not None and kept.title == "Protokollfört beslut"


def test_a_decision_dated_after_the_tick_or_before_the_cycle_is_refused(d: Driver) -> None:
    d.on = ON + timedelta(days=3)  # a decision is recorded on or after its day (services/deciding.py) ...
    later = d(
        agreements.record_decision, SAMORDNARE, body_key="styrgrupp", title="Beslut om samverkan",
        text="Styrgruppen beslutar om samverkan.", decided_on=ON + timedelta(days=3),
    ).number  # fmt: skip
    d.on = ON  # ... and a tick effective on an earlier day cannot cite it
    with pytest.raises(RefusedError, match=f"beslut nr {later} är daterat 2027-01-14, efter dagen punkten"):
        d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(later))
    earlier = d(
        agreements.record_decision, SAMORDNARE, body_key="styrgrupp", title="Beslut om samverkan",
        text="Styrgruppen beslutar om samverkan.", decided_on=ON - timedelta(days=30),
    ).number  # fmt: skip
    with pytest.raises(
        RefusedError,
        match=f"beslut nr {earlier} .* fattades 2026-12-12, innan fasen Initiera samverkan öppnades 2027-01-11",
    ):
        d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(earlier))
    d.on = ON + timedelta(days=3)  # on the decision's own day it may be cited
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(later))


def test_evidence_dated_outside_the_cycle_is_refused(d: Driver) -> None:
    def dated(day: date) -> EvidenceInput:
        return EvidenceInput(kind=EvidenceKind.DOCUMENT, title="Roller", uri="diarium:KS 1", dated_on=day)

    with pytest.raises(RefusedError, match="beviset är daterat 2027-01-12, efter dagen punkten markeras som klar"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", dated(ON + timedelta(days=1)))
    with pytest.raises(RefusedError, match="beviset är daterat 2026-12-31, före cykel 1 startade \\(2027-01-11\\)"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", dated(date(2026, 12, 31)))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", dated(ON))
    with Session(d.engine) as session:
        assert session.exec(select(Evidence)).one().dated_on == ON


# -- facts ------------------------------------------------------------------------------------------


def test_the_prioritisation_must_be_a_decision_of_the_named_body(d: Driver) -> None:
    problem = to_prioritisation(d)
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1, rationale="Mest frekvent")  # no decision
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(d.decision("Lägesbilden mottagen")))
    assert refused.value.missing == [
        "prioriteringen är inte beslutad: ett beslut av Styrgrupp för samverkan kommun–polis om prioritering av "
        "problemen saknas"
    ]
    first = prioritise_all(d, [problem.id])
    late = d(substance.add_problem, SAMORDNARE, title="Bilbränder")
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(first))
    assert refused.value.missing == [
        f"'Bilbränder' har kommit till eller ändrats efter prioriteringen (beslut nr {first}); Styrgrupp för "
        "samverkan kommun–polis behöver prioritera om"
    ]
    again = prioritise_all(d, [late.id, problem.id])
    moved = d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(again))
    assert moved.opened_phase == "Orsaksanalys"


def test_an_agreement_that_does_not_cover_a_new_problem_is_not_the_cycles(d: Driver, engine: Engine) -> None:
    to_agreement_signed(d, engine)
    with Session(engine) as session:
        first = session.exec(select(Problem)).one()
    late = d(substance.add_problem, SAMORDNARE, title="Bilbränder i Brandbergen")
    prioritise_all(d, [first.id, late.id])
    with Session(engine) as session:
        view = cycle.cycle_status(session, "fagersta", ON)
    assert (
        "Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten omfattar inte det prioriterade "
        "problemet 'Bilbränder i Brandbergen'"
    ) in view.missing


def test_every_prioritised_problem_needs_an_atgard_with_an_indicator(d: Driver, engine: Engine) -> None:
    cause_id = to_agreement_signed(d, engine)
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "atgardsplaner-antagna", decided(d.decision("Åtgärdsplan antagen")))
    assert refused.value.missing == ["ingen åtgärd verkar på orsakerna till 'Skadegörelse i centrum kvällstid'"]
    d(
        substance.add_measure, SAMORDNARE, cause_id=cause_id, title="Trygghetsvandringar", owner="samordnare",
        due_on=date(2027, 9, 30), follow_up="Deltagare och synpunkter",
    )  # fmt: skip
    with pytest.raises(RefusedError, match="ingen av åtgärderna för 'Skadegörelse i centrum kvällstid' har en"):
        d(cycle.complete_item, SAMORDNARE, "atgardsplaner-antagna", decided(d.decision("Åtgärdsplan antagen")))
    d(
        substance.add_measure, SAMORDNARE, cause_id=cause_id, title="Ny belysning på torget", owner="samordnare",
        due_on=date(2027, 9, 30), follow_up="Anmälda skadegörelser per kvartal",
        indicator_ids=[indicator_id(engine, "anmalda-brott")],
    )  # fmt: skip
    d(cycle.complete_item, SAMORDNARE, "atgardsplaner-antagna", decided(d.decision("Åtgärdsplan antagen")))


def test_promises_need_text_signatures_and_communication(d: Driver, engine: Engine) -> None:
    to_agreement_signed(d, engine)
    for blank in ("https://", "   ", "www.fagersta.example/lofte", "https://fagersta.example/ett löfte"):
        with pytest.raises(RefusedError, match="en länk som bevis ska vara en hel adress som börjar med https://"):
            d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", evidence(EvidenceKind.LINK, "Löftet", blank))
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Löftet"))
    assert refused.value.missing[0] == (
        "Medborgarlöfte Fagersta kommun 2027 saknar innehåll: löftets text, minst en aktivitet"
    )
    promise_text(d)
    d(agreements.sign, NY_KSO, what="promise")
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Löftet"))
    assert refused.value.missing == [
        "Medborgarlöfte Fagersta kommun 2027: underskrift saknas från Lokalpolisområde Norra Västmanland",
        "Medborgarlöfte Fagersta kommun 2027 är inte kommunicerat till medborgarna (ange när och hur)",
    ]
    d(agreements.sign, LPO_CHEF, what="promise")
    communicate(d)
    d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Löftet"))


def test_the_follow_up_reason_is_the_coordinators_and_names_a_followed_indicator(d: Driver, engine: Engine) -> None:
    cause_id = to_agreement_signed(d, engine)
    d(
        substance.add_measure, SAMORDNARE, cause_id=cause_id, title="Ny belysning", owner="samordnare",
        due_on=date(2027, 9, 30), follow_up="Anmälningar", indicator_ids=[indicator_id(engine, "anmalda-brott")],
    )  # fmt: skip
    with pytest.raises(NotFoundError, match="indikatorn 'ntu-utsatthet' följs inte upp av cykel 1s åtgärder"):
        d(follow_up.explain_indicator, SAMORDNARE, indicator="ntu-utsatthet", reason="Ingen NTU i år")
    with pytest.raises(RefusedError, match="skälet är tomt"):
        d(follow_up.explain_indicator, SAMORDNARE, indicator="anmalda-brott", reason="  ")
    d(follow_up.explain_indicator, SAMORDNARE, indicator="anmalda-brott", reason="Statistiken kommer i mars")
    d(follow_up.explain_indicator, SAMORDNARE, indicator="anmalda-brott", reason="Statistiken kommer i april")
    with Session(engine) as session:
        states = follow_up.indicator_states(session, "fagersta")
    assert [(s.key, s.has_value, s.reason) for s in states] == [("anmalda-brott", False, "Statistiken kommer i april")]


# -- omtag ------------------------------------------------------------------------------------------


def test_omtag_to_lagesbild_after_signing_reopens_what_built_on_the_prioritisation(d: Driver, engine: Engine) -> None:
    to_agreement_signed(d, engine)
    d.on = ON + timedelta(days=20)
    moved = d(cycle.reopen_phase, SAMORDNARE, "lagesbild", "Bilbränder har ökat kraftigt sedan prioriteringen")
    assert moved.opened_phase == "Lägesbild"
    assert moved.reopened[-2:] == [
        "'En orsaksanalys är klar för varje prioriterat problem' (Orsaksanalys) öppnas igen: den bygger på "
        "prioriteringen, som kan ändras genom omtaget till Lägesbild; ny tidsfrist när fasen öppnas.",
        "'Samverkansöverenskommelsen är undertecknad av kommunen och polisen' (Överenskommelse) öppnas igen: den "
        "bygger på orsaksanalyserna och prioriteringen, som kan ändras genom omtaget till Lägesbild; ny tidsfrist "
        "när fasen öppnas.",
    ]
    assert any("'Styrgruppen har prioriterat (och bortprioriterat) problemen' (Lägesbild)" in r for r in moved.reopened)
    after = items(engine)
    # the lägesbild's items are open again, with deadlines counted from the omtag's day
    assert after["kommunens-lagesbild"].status == ItemStatus.OPEN
    assert after["kommunens-lagesbild"].due_on == d.on + timedelta(days=60)
    assert after["gemensam-lagesbild"].due_on == d.on + timedelta(days=120)
    # later items whose fact depends on the prioritisation open again; the others keep what was shown
    assert after["orsaksanalyser"].status == after["overenskommelse-undertecknad"].status == ItemStatus.OPEN
    assert after["medborgardialog"].status == after["mal-formulerade"].status == ItemStatus.DONE
    with Session(engine) as session:
        reopened = session.exec(select(AuditEntry).where(AuditEntry.action == "item.reopen")).all()
        omtag = session.exec(select(AuditEntry).where(AuditEntry.action == "phase.reopen")).one()
        phases = {p.key: p for p in session.exec(select(Phase)).all()}
    assert {entry.entity_key for entry in reopened} >= {"orsaksanalyser", "overenskommelse-undertecknad"}
    assert [r["punkt"] for r in omtag.after["reopened"]][-2:] == ["orsaksanalyser", "overenskommelse-undertecknad"]
    assert phases["overenskommelse"].status == PhaseStatus.NOT_STARTED and phases["overenskommelse"].due_on is None


def test_after_omtag_the_new_problem_makes_the_agreement_be_signed_again(d: Driver, engine: Engine) -> None:
    to_agreement_signed(d, engine)
    d(cycle.reopen_phase, SAMORDNARE, "lagesbild", "Bilbränder har ökat")
    for key, who in (("kommunens-lagesbild", SAMORDNARE), ("polisens-lagesbild", KOMMUNPOLIS)):
        d(cycle.complete_item, who, key, doc(f"{key} reviderad"))
    d(cycle.complete_item, SAMORDNARE, "gemensam-lagesbild", doc("Gemensam lägesbild reviderad"))
    d(cycle.complete_item, KOMMUNPOLIS, "medarbetardialoger", dialog("Dialog"))
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(d.decision("Tagit del igen")))
    with Session(engine) as session:
        first = session.exec(select(Problem)).one()
    late = d(substance.add_problem, SAMORDNARE, title="Bilbränder")
    again = prioritise_all(d, [first.id, late.id])
    d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(again))
    analysed(d, late.id, CausePerspective.OFFENDER, "Unga samlas vid parkeringen")
    moved = d(cycle.complete_item, KOMMUNPOLIS, "orsaksanalyser", doc("Orsaksanalys bilbränder"))
    assert moved.opened_phase == "Överenskommelse"  # the dialogue and the goals were kept: not built on the facts
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Överenskommelsen"))
    assert refused.value.missing == [
        "Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten omfattar inte det prioriterade "
        "problemet 'Bilbränder'"
    ]
    renewed = d(agreement_content.cover_problem, SAMORDNARE, problem_id=late.id)
    assert renewed.version == 2  # the signed version stays as it was; the change is a new one to sign
    with pytest.raises(RefusedError, match="underskrift saknas från Fagersta kommun, Lokalpolisområde"):
        d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Överenskommelsen version 2"))
    d(agreements.sign, NY_KSO)
    d(agreements.sign, LPO_CHEF)
    d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Överenskommelsen version 2"))
