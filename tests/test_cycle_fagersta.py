"""Fagersta through a whole cycle and into the next, through the service layer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import Cycle, Phase
from samverkan.models.enums import AgreementStatus, CausePerspective, CycleStatus
from samverkan.services import agreements, cycle, handover, measurements, orsaksanalys, substance
from samverkan.services.errors import RefusedError
from tests.conftest import EXAMPLES
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
    indicator_id,
    link,
    prioritise_all,
    promise_text,
)


@pytest.fixture
def fagersta(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", date(2027, 1, 11))
    driver.load(EXAMPLES / "fagersta.yaml")
    return driver


def test_fagersta_runs_a_full_cycle_and_starts_the_next(fagersta: Driver, engine: Engine) -> None:
    d = fagersta
    started = d(cycle.start_cycle, SAMORDNARE)
    assert started.number == 1

    # Initiera samverkan
    assert (
        d(
            cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan"))
        ).completed_phase
        is None
    )
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller och mandat"))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Samverkansorganisation")))
    moved = d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan 2027"))
    assert (moved.completed_phase, moved.opened_phase) == ("Initiera samverkan", "Lägesbild")

    # Lägesbild: prioritising needs real problems, not a tick
    d(cycle.complete_item, SAMORDNARE, "kommunens-lagesbild", doc("Kommunens lägesbild"))
    d(cycle.complete_item, KOMMUNPOLIS, "polisens-lagesbild", doc("Polisens lägesbild"))
    d(cycle.complete_item, KOMMUNPOLIS, "medarbetardialoger", dialog("Medarbetardialog 2027-01-20"))
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(d.decision("Ledningen har tagit del")))
    d(cycle.complete_item, SAMORDNARE, "gemensam-lagesbild", doc("Gemensam lägesbild"))
    with pytest.raises(RefusedError, match="inget problem är prioriterat"):
        d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(d.decision("Lägesbilden mottagen")))
    centrum = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    station = d(substance.add_problem, SAMORDNARE, title="Nedskräpning vid stationen")
    prioritising = decided(prioritise_all(d, [centrum.id], dropped=(station.id,)))
    moved = d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", prioritising)
    assert moved.opened_phase == "Orsaksanalys"

    # Orsaksanalys: one per prioritised problem, with causes
    with pytest.raises(RefusedError, match="orsaksanalys saknas för 'Skadegörelse i centrum kvällstid'"):
        d(cycle.complete_item, KOMMUNPOLIS, "orsaksanalyser", doc("Orsaksanalys"))
    place = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=centrum.id,
        perspective=CausePerspective.PLACE,
        direct=True,
        description="Dålig belysning och skymda siktlinjer vid torget",
    )
    d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=centrum.id,
        perspective=CausePerspective.OFFENDER,
        direct=False,
        description="Få fritidsaktiviteter för unga kvällstid",
        parent=None,
    )
    d(
        orsaksanalys.mark_not_relevant,
        KOMMUNPOLIS,
        problem_id=centrum.id,
        perspective=CausePerspective.VICTIM,
        reason="skadegörelsen riktar sig mot kommunens egendom",
    )
    d(substance.complete_analysis, KOMMUNPOLIS, problem_id=centrum.id, summary="Två troliga orsaker")
    d(cycle.complete_item, KOMMUNPOLIS, "orsaksanalyser", doc("Orsaksanalys skadegörelse"))
    moved = d(cycle.complete_item, SAMORDNARE, "medborgardialog", dialog("Trygghetsvandring i centrum"))
    assert moved.opened_phase == "Överenskommelse"

    # Överenskommelse: two-party signatures, åtgärder on causes, medborgarlöfte
    d(cycle.complete_item, SAMORDNARE, "mal-formulerade", doc("Mål enligt SMART"))
    with pytest.raises(RefusedError, match="saknar innehåll: revisionsdatum, minst ett prioriterat problem"):
        d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Överenskommelsen"))
    agree_on(d, [centrum.id])
    with pytest.raises(RefusedError, match="underskrift saknas från Fagersta kommun, Lokalpolisområde Norra"):
        d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Överenskommelsen"))
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=date(2027, 1, 1))
    first = d(agreements.sign, NY_KSO)
    assert first.status == AgreementStatus.PENDING_SIGNATURES and first.missing == [
        "Lokalpolisområde Norra Västmanland"
    ]
    assert d(agreements.sign, LPO_CHEF).status == AgreementStatus.SIGNED
    d(cycle.complete_item, SAMORDNARE, "overenskommelse-undertecknad", doc("Undertecknad överenskommelse"))
    unmeasured = d(
        substance.add_measure, SAMORDNARE, cause_id=place.id, title="Trygghetsvandringar", owner="samordnare",
        due_on=date(2027, 9, 30), follow_up="Deltagare och synpunkter",
    )  # fmt: skip
    with pytest.raises(
        RefusedError, match="ingen av åtgärderna för 'Skadegörelse i centrum kvällstid' har en indikator"
    ):
        d(cycle.complete_item, SAMORDNARE, "atgardsplaner-antagna", decided(d.decision("Åtgärdsplan antagen")))
    measure = d(
        substance.add_measure, SAMORDNARE, cause_id=place.id, title="Ny belysning på torget", owner="samordnare",
        due_on=date(2027, 9, 30), follow_up="Antal anmälda skadegörelser per kvartal",
        indicator_ids=[indicator_id(engine, "anmalda-brott")],
    )  # fmt: skip
    d(cycle.complete_item, SAMORDNARE, "atgardsplaner-antagna", decided(d.decision("Åtgärdsplan antagen")))
    with pytest.raises(RefusedError, match="Medborgarlöfte Fagersta kommun 2027 saknar innehåll: löftets text"):
        d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Medborgarlöftet på webben"))
    promise_text(d)
    with pytest.raises(RefusedError, match="Medborgarlöfte Fagersta kommun 2027: underskrift saknas"):
        d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Medborgarlöftet på webben"))
    d(agreements.sign, NY_KSO, what="promise")
    d(agreements.sign, LPO_CHEF, what="promise")
    with pytest.raises(RefusedError, match="inte kommunicerat till medborgarna"):
        d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Medborgarlöftet på webben"))
    communicate(d)
    d(cycle.complete_item, KOMMUNPOLIS, "medborgarloften", link("Medborgarlöftet på webben"))
    moved = d(cycle.complete_item, SAMORDNARE, "uppfoljning-planerad", doc("Uppföljningsplan"))
    assert moved.opened_phase == "Genomförande"

    # Genomförande: measures must be carried out
    d(cycle.complete_item, SAMORDNARE, "arbetsgrupper-bildade", decided(d.decision("Arbetsgrupp belysning")))
    d(cycle.complete_item, KOMMUNPOLIS, "medarbetardialog-genomforande", dialog("Dialog med yttre tjänst"))
    with pytest.raises(RefusedError, match="'Ny belysning på torget' är genomförd till 0 %"):
        d(cycle.complete_item, SAMORDNARE, "atgarder-genomforda", doc("Genomförandedokumentation"))
    d(substance.update_measure, SAMORDNARE, measure_id=measure.id, progress_pct=100, hours_spent=120)
    d(substance.update_measure, SAMORDNARE, measure_id=unmeasured.id, progress_pct=100)
    moved = d(cycle.complete_item, SAMORDNARE, "atgarder-genomforda", doc("Genomförandedokumentation"))
    assert moved.opened_phase == "Uppföljning"

    # Uppföljning closes the cycle and opens the next at Lägesbild
    with pytest.raises(RefusedError, match="'Anmälda brott per 100 000 invånare' har inget värde för cykel 1"):
        d(cycle.complete_item, SAMORDNARE, "effekter-undersokta", doc("Effektuppföljning"))
    d(
        measurements.import_measurements, SAMORDNARE,
        text="indikator,period,värde\nanmalda-brott,2027,10950\n", file="brottsstatistik.csv",
    )  # fmt: skip
    d(cycle.complete_item, SAMORDNARE, "effekter-undersokta", doc("Effektuppföljning"))
    d(cycle.complete_item, KOMMUNPOLIS, "ataganden-bedomda", doc("Bedömning av åtaganden"))
    d(cycle.complete_item, SAMORDNARE, "arbetsprocessen-granskad", doc("Processuppföljning"))
    d(cycle.complete_item, SAMORDNARE, "rapporterad-till-styrgruppen", decided(d.decision("Uppföljning mottagen")))
    moved = d(cycle.complete_item, KOMMUNPOLIS, "aterkoppling-medborgare", link("Återkoppling på webben"))
    assert (moved.closed_cycle, moved.new_cycle, moved.opened_phase) == (1, 2, "Lägesbild")

    with Session(engine) as session:
        cycles = session.exec(select(Cycle).order_by(Cycle.number)).all()
        assert [(c.number, c.status) for c in cycles] == [(1, CycleStatus.CLOSED), (2, CycleStatus.ACTIVE)]
        second = [
            p.key
            for p in session.exec(select(Phase).where(Phase.cycle_id == cycles[1].id).order_by(Phase.ordinal)).all()
        ]
    assert second == ["lagesbild", "orsaksanalys", "overenskommelse", "genomforande", "uppfoljning"]
    actions = d.audit_actions()
    assert actions.count("item.complete") == 25  # 4 + 6 + 2 + 5 + 3 + 5 items
    assert actions.count("phase.complete") == 6
    assert {"cycle.start", "cycle.close", "sign", "measure.add", "cause.add", "handover"} <= set(actions)
    status = d(lambda session, actor: cycle.cycle_status(session, actor.org_key, actor.on), SAMORDNARE)
    assert (status.number, status.current_phase) == (2, "Lägesbild")
    assert len(status.missing) == 6
