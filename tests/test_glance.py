"""The Översikt's reading (services/glance.py), the "may X" questions pages ask before offering an action, and the
årshjul wheel's geometry: each asked of the real database the services use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import ChecklistItem, Organisation, Person, Phase
from samverkan.models.enums import EvidenceKind, PhaseStatus
from samverkan.services import agreements, cycle, est, handover
from samverkan.services.calendar_feed import organisation_calendar, organisation_closures
from samverkan.services.decision_register import decision_register
from samverkan.services.documents import lagesbild_summary
from samverkan.services.errors import NotPermittedError, RefusedError
from samverkan.services.glance import glance, role_alerts
from samverkan.services.items import item_details
from samverkan.web.wheel import CENTRE, MONTH_OUTER, RINGS, build_wheel, ring_of
from tests.drive import KOMMUNDIREKTOR, KOMMUNPOLIS, SAMORDNARE, Driver, agree_on, evidence, fagersta_with_cycle
from tests.live import EST_SKOLA, KSO

ON = date(2026, 11, 26)  # Monday-to-Friday; the KSO's assignment in the example ends 2026-12-31


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def person(session: Session, email: str) -> Person:
    return session.exec(select(Person).where(Person.email == email)).one()


def test_the_overview_shows_the_phases_in_order_with_only_the_running_one_begun(d: Driver) -> None:
    with Session(d.engine) as session:
        seen = glance(session, "fagersta", ON)
        phases = session.exec(select(Phase).order_by(Phase.ordinal)).all()  # type: ignore[arg-type]
    assert [p.name for p in seen.phases] == [p.name for p in phases]
    assert [p.status for p in seen.phases][:2] == [PhaseStatus.ACTIVE, PhaseStatus.NOT_STARTED]
    assert seen.current is not None and seen.current.opened_on == ON
    assert all(p.opened_on is None and p.done == 0 for p in seen.phases[1:])
    assert seen.cycle_number == 1


def test_an_overdue_item_is_named_with_whose_it_is_and_items_of_later_phases_never_are(d: Driver) -> None:
    d(cycle.set_deadline, KOMMUNDIREKTOR, item="roller-och-ansvar", due_on=ON - timedelta(days=1))
    with Session(d.engine) as session:
        for item in session.exec(select(ChecklistItem)).all():  # every later item long past its deadline too
            if session.get(Phase, item.phase_id).status == PhaseStatus.NOT_STARTED:  # type: ignore[union-attr]
                item.due_on = ON - timedelta(days=30)
                session.add(item)
        session.commit()
        seen = glance(session, "fagersta", ON + timedelta(days=3))
        active = {i.id for i in session.exec(select(ChecklistItem)).all()
                  if session.get(Phase, i.phase_id).status == PhaseStatus.ACTIVE}  # type: ignore[union-attr]  # fmt: skip
    late = {i.title.split()[0]: i for i in seen.late}  # roller-och-ansvar: "Varje organisations ...", kommunpolis
    assert late["Varje"].days_late == 4
    assert late["Varje"].owners == "Kommunpolis: Johan Prövare"
    assert {i.id for i in seen.late} <= active


def test_the_signatory_whose_assignment_ends_soon_is_flagged_first_until_a_successor_is_named(d: Driver) -> None:
    with Session(d.engine) as session:
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        alerts = role_alerts(session, fagersta, ON)
    assert alerts[0].signatory and alerts[0].role == "Kommunstyrelsens ordförande"
    assert (alerts[0].holder, alerts[0].ends_on, alerts[0].days_left) == ("Karin Testström", date(2026, 12, 31), 35)
    d(handover.handover, SAMORDNARE, role_key="kso", to_email="nadja.nyval@fagersta.example", to_name="Nadja Nyval",
      starts_on=date(2027, 1, 1))  # fmt: skip
    with Session(d.engine) as session:
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        assert not [a for a in role_alerts(session, fagersta, ON) if a.role == "Kommunstyrelsens ordförande"]


def test_the_est_picture_counts_categories_and_months_and_says_the_trend(d: Driver) -> None:
    for days, count in ((3, 4), (33, 1), (40, 2), (70, 1)):  # Nov 4; Oct 3; Sep 1
        d(est.report_observation, EST_SKOLA, observed_on=ON - timedelta(days=days), category="klotter",
          area="centrum", source_function="skola", count=count)  # fmt: skip
    with Session(d.engine) as session:
        picture = glance(session, "fagersta", ON).est
    assert picture is not None
    assert [(m.label, m.shown) for m in picture.months[-3:]] == [
        ("sep 2026", "<3"),
        ("okt 2026", "3"),
        ("nov 2026", "4"),
    ]
    assert picture.trend == "Fler observationer i oktober än månaden före."


def test_completing_is_offered_only_to_the_items_owner_while_its_phase_runs(d: Driver) -> None:
    with Session(d.engine) as session:
        items = {i.key: i for i in session.exec(select(ChecklistItem)).all()}
        first = items["roller-och-ansvar"]
        later = next(i for i in items.values() if session.get(Phase, i.phase_id).status == PhaseStatus.NOT_STARTED)  # type: ignore[union-attr]
        own = item_details(session, "fagersta", first.id, ON, person(session, KOMMUNPOLIS))  # type: ignore[arg-type]
        other = item_details(session, "fagersta", first.id, ON, person(session, EST_SKOLA))  # type: ignore[arg-type]
        owner = {"samordnare": SAMORDNARE, "kommunpolis": KOMMUNPOLIS}.get(later.owner_role_key, SAMORDNARE)
        waiting = item_details(session, "fagersta", later.id, ON, person(session, owner))  # type: ignore[arg-type]
    assert own["item_view"]["may_complete"] and not other["item_view"]["may_complete"]
    assert not waiting["item_view"]["may_complete"]
    with pytest.raises(NotPermittedError):  # the service agrees with what the page offered
        d(cycle.complete_item, EST_SKOLA, item="roller-och-ansvar", evidence=evidence(EvidenceKind.DOCUMENT, "Plan"))


def test_signing_is_offered_to_each_partys_signatory_and_the_page_says_who_signs(d: Driver) -> None:
    with Session(d.engine) as session:  # the content is not complete: nobody is offered signing yet
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        assert decision_register(session, fagersta, person(session, KSO), ON)["subjects"][0]["sign_for"] == []
    agree_on(d)
    with Session(d.engine) as session:
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        as_kso = decision_register(session, fagersta, person(session, KSO), ON)["subjects"][0]
        as_polis = decision_register(session, fagersta, person(session, KOMMUNPOLIS), ON)["subjects"][0]
    assert as_kso["sign_for"] == ["Fagersta kommun"] and as_polis["sign_for"] == []
    assert "Kommunstyrelsens ordförande skriver under för Fagersta kommun" in as_kso["who_signs"]
    d(agreements.sign, KSO, what="agreement")
    with Session(d.engine) as session:
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        assert decision_register(session, fagersta, person(session, KSO), ON)["subjects"][0]["sign_for"] == []


def test_the_wheel_places_each_occurrence_on_its_ring_at_its_day(d: Driver) -> None:
    first, last = ON.replace(day=1), date(2027, 10, 31)
    with Session(d.engine) as session:
        events = organisation_calendar(session, "fagersta", first, last)
        holidays, breaks = organisation_closures(session, "fagersta", first, last)
    wheel = build_wheel(ON, events, holidays, breaks)
    assert len(wheel.sectors) == 12 and wheel.sectors[0].label == "nov 2026" and wheel.sectors[2].label == "jan 2027"
    assert sum(wheel.counts.values()) == len(wheel.dots) == len(events)
    for dot, event in zip(wheel.dots, events, strict=True):
        radius = ((dot.x - CENTRE) ** 2 + (dot.y - CENTRE) ** 2) ** 0.5
        assert abs(radius - RINGS[ring_of(event)]) < 0.5
    assert [b.title for b in wheel.breaks] == ["Sommaruppehåll tis 22 jun – mån 9 aug"]
    assert any("juldagen" in h.title.lower() for h in wheel.holidays)
    assert "Samma händelser finns som lista" in wheel.summary
    x1, y1 = wheel.today[2], wheel.today[3]
    assert abs(((x1 - CENTRE) ** 2 + (y1 - CENTRE) ** 2) ** 0.5 - MONTH_OUTER) < 0.5


def test_est_categories_are_one_whatever_their_case_and_annat_takes_the_text(d: Driver) -> None:
    for category, count in (("skadegörelse", 4), (" Skadegörelse ", 2), ("SKADEGÖRELSE", 1)):
        d(est.report_observation, EST_SKOLA, category=category, area="centrum", source_function="skola", count=count)
    with pytest.raises(RefusedError, match="Annat"):
        d(est.report_observation, EST_SKOLA, category="annat", area="centrum", source_function="skola", count=1)
    d(est.report_observation, EST_SKOLA, category="Annat", other="Fyrverkerier", area="torget", source_function="skola",
      count=3)  # fmt: skip
    with Session(d.engine) as session:
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        assert lagesbild_summary(session, fagersta, ON) == [("skadegörelse", "7"), ("Fyrverkerier", "3")]
        assert "Skadegörelse" in est.categories_of(fagersta).names
