"""Honest time (services/effective_dates.py): every act records when it happened and the day it is effective
for; the effective day is not in the future, not before the running cycle, not before the previous act on the
same object and not before the actor's assignment; a predecessor cannot act after the handover, not even
back-dated to a day when they still held the role. Recorded times show the act's own day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.core.labels import history_line
from samverkan.models import AuditEntry, Phase
from samverkan.services import agreements, cycle, handover
from samverkan.services.errors import ConflictError, NotPermittedError, RefusedError
from tests.drive import (
    KOMMUNDIREKTOR,
    KOMMUNPOLIS,
    LPO_CHEF,
    NY_KSO,
    SAMORDNARE,
    Driver,
    agree_on,
    doc,
    fagersta_with_cycle,
)

ON = date(2027, 1, 11)  # cycle 1 starts on this day (the act happens that day)
KIM = "kim.ny@polisen.example"


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def at(d: Driver, on: date, happens: date | None = None) -> Driver:
    """Acts effective on `on`, happening on `happens` (default: the same day)."""
    return Driver(d.engine, "fagersta", on, happens)


def test_an_act_dated_before_the_cycle_started_is_refused(d: Driver) -> None:
    back_dated = at(d, ON - timedelta(days=1), happens=ON + timedelta(days=2))
    with pytest.raises(RefusedError, match=r"datumet 2027-01-10 ligger före cykel 1s start den 2027-01-11"):
        back_dated(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))  # on the honest day it is accepted


def test_an_act_effective_in_the_future_is_refused(d: Driver) -> None:
    ahead = at(d, ON + timedelta(days=5), happens=ON + timedelta(days=1))
    with pytest.raises(RefusedError, match=r"datumet 2027-01-16 ligger i framtiden \(handlingen görs 2027-01-12\)"):
        ahead(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    with pytest.raises(RefusedError, match="ligger i framtiden"):
        ahead(agreements.record_decision, SAMORDNARE, body_key="styrgrupp", kind="beslut", title="T", text="T.")
    at(d, ON + timedelta(days=5))(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))


def test_an_act_before_the_previous_act_on_the_same_item_is_refused(d: Driver) -> None:
    at(d, ON + timedelta(days=9))(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", ON + timedelta(days=30))
    earlier = at(d, ON + timedelta(days=4), happens=ON + timedelta(days=10))
    with pytest.raises(
        RefusedError,
        match=r"2027-01-15 ligger före den senaste handlingen på 'Varje organisations .*gäller från 2027-01-20",
    ):
        earlier(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    with pytest.raises(RefusedError, match="före den senaste handlingen"):
        earlier(cycle.set_deadline, KOMMUNDIREKTOR, "roller-och-ansvar", ON + timedelta(days=20))
    at(d, ON + timedelta(days=9), happens=ON + timedelta(days=10))(
        cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller")
    )  # the same day as the deadline act: accepted


def test_an_act_before_the_actors_own_assignment_is_refused(d: Driver) -> None:
    starts = ON + timedelta(days=10)
    d(handover.handover, LPO_CHEF, role_key="kommunpolis", to_email=KIM, to_name="Kim Ny", starts_on=starts)
    before_assignment = at(d, ON + timedelta(days=5), happens=starts + timedelta(days=1))
    with pytest.raises(NotPermittedError, match=r"Kim Ny har rollen Kommunpolis från 2027-01-21; datumet 2027-01-16"):
        before_assignment(cycle.complete_item, KIM, "roller-och-ansvar", doc("Roller"))
    at(d, starts, happens=starts + timedelta(days=1))(cycle.complete_item, KIM, "roller-och-ansvar", doc("Roller"))


def test_a_predecessor_cannot_act_after_the_handover_not_even_back_dated(d: Driver) -> None:
    handover_day = ON + timedelta(days=10)
    at(d, handover_day)(handover.handover, LPO_CHEF, role_key="kommunpolis", to_email=KIM, to_name="Kim Ny")
    with pytest.raises(NotPermittedError, match=r"Johan Prövare .* får inte"):  # effective after the handover
        at(d, handover_day + timedelta(days=3))(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("R"))
    back_dated = at(d, ON + timedelta(days=2), happens=handover_day + timedelta(days=3))  # when Johan still held it
    with pytest.raises(
        NotPermittedError, match=r"Johan Prövare har inte längre rollen Kommunpolis \(lämnad 2027-01-20\)"
    ):
        back_dated(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    before_the_cycle = at(d, ON - timedelta(days=1), happens=handover_day + timedelta(days=3))
    with pytest.raises(RefusedError, match="innan cykeln startade"):
        before_the_cycle(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    at(d, handover_day)(cycle.complete_item, KIM, "roller-och-ansvar", doc("Roller"))


def test_a_predecessor_cannot_sign_after_the_handover_not_even_back_dated(d: Driver) -> None:
    new_chief = "ny.chef@polisen.example"
    agree_on(d)
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=ON)
    at(d, ON + timedelta(days=3))(
        handover.handover, LPO_CHEF, role_key="lpo-chef", to_email=new_chief, to_name="Ny Chef"
    )
    back_dated = at(d, ON + timedelta(days=1), happens=ON + timedelta(days=4))  # Per still held the role then
    with pytest.raises(NotPermittedError, match=r"Per Polisson har inte längre rollen Lokalpolisområdeschef"):
        back_dated(agreements.sign, LPO_CHEF)
    assert len(at(d, ON + timedelta(days=4))(agreements.sign, new_chief).signed) == 1
    with pytest.raises(RefusedError, match="ligger före den senaste handlingen"):  # before the party's signature
        back_dated(agreements.sign, NY_KSO)


def test_a_justering_shows_its_effective_day_and_is_not_in_the_future(d: Driver) -> None:
    decision_id = d.decision("Inriktningsbeslut")
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=ON)
    with pytest.raises(RefusedError, match="ligger i framtiden"):
        at(d, ON + timedelta(days=9), happens=ON + timedelta(days=4))(agreements.sign_decision, NY_KSO, decision_id)
    view = at(d, ON + timedelta(days=1), happens=ON + timedelta(days=4))(agreements.sign_decision, NY_KSO, decision_id)
    assert view.signatories == ["Nadja Nyval (Kommunstyrelsens ordförande, 2027-01-12)"]  # its effective day


def test_every_act_records_when_it_happened_and_the_day_it_is_effective_for(d: Driver) -> None:
    at(d, ON + timedelta(days=2), happens=ON + timedelta(days=6))(
        cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller")
    )
    with Session(d.engine) as session:
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    completed = next(e for e in entries if e.action == "item.complete")
    started = next(e for e in entries if e.action == "cycle.start")
    assert (started.effective_on, completed.effective_on) == (ON, ON + timedelta(days=2))
    assert all(e.effective_on is not None for e in entries if e.actor.endswith(".example"))


def test_recorded_times_of_omtag_and_already_done_show_the_acts_own_day(d: Driver) -> None:
    happens = ON + timedelta(days=6)
    at(d, ON + timedelta(days=2), happens=happens)(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("R"))
    with pytest.raises(
        ConflictError, match=r"redan markerad som klar \(Johan Prövare, 2027-01-13, registrerat 2027-01-17"
    ):
        at(d, ON + timedelta(days=7))(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    for item in ("beslut-om-samverkan", "organisation-utsedd"):
        at(d, ON + timedelta(days=7))(cycle.complete_item, SAMORDNARE, item, _decided(d, item))
    at(d, ON + timedelta(days=7))(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Plan"))
    at(d, ON + timedelta(days=8), happens=ON + timedelta(days=12))(
        cycle.reopen_phase, SAMORDNARE, phase_key="initiera", reason="Ny styrgrupp"
    )
    with Session(d.engine) as session:
        phase = session.exec(select(Phase).where(Phase.key == "initiera")).one()
    omtag = next(entry for entry in phase.history if entry["action"] == "omtag")
    assert (omtag["on"], omtag["at"][:10]) == ("2027-01-19", "2027-01-23")
    assert history_line(omtag).startswith("2027-01-23 12:00 · omtag · gäller från 2027-01-19 · av ")
    opened = phase.history[0]
    assert history_line(opened) == "2027-01-11 12:00 · öppnad"  # recorded on its effective day: said once


def _decided(d: Driver, item: str) -> object:
    from tests.drive import decided

    return decided(at(d, ON + timedelta(days=7)).decision(item))
