"""The agreement and the medborgarlöften in real headless Chromium: the samordnare chooses the content from the
cycle, the KSO and the LPO head each read the exact text, confirm and sign for their party; the promise gets its
activities (the watered-down risk flagged), signatures and communication. Every page axe-clean on desktop and
phone, screenshots in test-output/skarmbilder/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import today_local
from samverkan.database import session_scope
from samverkan.models import Signature
from samverkan.models.enums import CausePerspective
from samverkan.services import substance
from samverkan.services.actor import Actor
from samverkan.services.inputs import AddCause, AddProblem, Prioritise
from tests.accessibility import assert_accessible
from tests.drive import KOMMUNPOLIS, LPO_CHEF, SAMORDNARE
from tests.live import KSO, Live, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, db_url, log_in, shot

__all__ = ["browser", "db_url"]  # the fixtures, shared with tests/test_browser.py

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def prioritised_problem_with_a_cause(engine: Engine) -> None:
    today = today_local()
    with session_scope(engine) as session:
        problem = substance.add_problem(
            session, Actor("fagersta", SAMORDNARE, today), AddProblem(title="Skadegörelse i centrum kvällstid")
        )
        session.flush()
        substance.prioritise(session, Actor("fagersta", SAMORDNARE, today), Prioritise(problem_id=problem.id, rank=1))
        substance.add_cause(
            session,
            Actor("fagersta", KOMMUNPOLIS, today),
            AddCause(problem_id=problem.id, perspective=CausePerspective.PLACE, description="Mörkt vid torget"),
        )


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine, with_deadlines=False)
    prioritised_problem_with_a_cause(engine)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def write_agreement(page: Page) -> None:
    page.goto("/org/fagersta/overenskommelse")
    page.get_by_label("Revideras senast").fill("2028-12-31")
    page.get_by_label("Så dokumenteras arbetet").fill("Styrgruppens protokoll och åtgärdsplanerna i Samverkan.")
    page.get_by_label("Så följs arbetet upp").fill("Kvartalsvis i styrgruppen; årligen i kommunfullmäktige.")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Ändringen är sparad i version 1")
    page.get_by_role("button", name="Ta med Skadegörelse i centrum kvällstid").click()
    page.get_by_label("Nytt mål").fill("Färre anmälda brott i centrum.")
    page.get_by_label("Indikator som visar målet").select_option(
        label="Anmälda brott per 100 000 invånare (Fagersta kommun)"
    )
    page.get_by_label("Problem målet gäller").select_option(label="Skadegörelse i centrum kvällstid")
    page.get_by_label("Målvärde (tomt: indikatorns)").fill("10000")
    page.get_by_label("Målår").fill("2030")
    page.get_by_role("button", name="Lägg till mål").click()
    expect(page.get_by_role("status")).to_contain_text("Mål 1 är tillagt")


def sign_after_reading(page: Page, where: str, party: str, expected: str) -> None:
    page.goto(where)
    text = page.locator("pre.signed-text").first
    expect(text).to_be_visible()
    button = page.get_by_role("button", name=f"Skriv under för {party}")
    button.click()  # without the confirmation the browser does not send the form (required), no JS needed
    expect(page.get_by_role("status")).to_have_count(0)
    page.get_by_label(f"och skriver under den för {party}").check()
    button.click()
    expect(page.get_by_role("status")).to_contain_text(expected)


def test_the_parties_sign_the_agreement_after_reading_its_text(browser: Browser, site: Live) -> None:
    maria = log_in(browser, site, SAMORDNARE)
    write_agreement(maria)
    text = maria.locator("pre.signed-text")
    expect(text).to_contain_text("1. Skadegörelse i centrum kvällstid")
    expect(text).to_contain_text("Orsak 1 (plats/objekt, direkt): Mörkt vid torget")
    expect(text).to_contain_text("Målvärde: 10\u00a0000 per 100 000 inv. (2030)")
    expect(maria.get_by_role("button", name="Skriv under för")).to_have_count(0)  # the samordnare signs nothing
    expect(maria.locator("table.signers")).to_contain_text("Kommunstyrelsens ordförande: Karin Testström")
    expect(maria.locator("table.signers")).to_contain_text("Lokalpolisområdeschef: Per Polisson")
    assert_accessible(maria)
    shot(maria, "avtal-01-overenskommelse-innehall")

    karin = log_in(browser, site, KSO)
    sign_after_reading(karin, "/org/fagersta/overenskommelse", "Fagersta kommun", "Underskrift saknas från: Lokalpolis")
    expect(karin.locator("table.signers")).to_contain_text("Karin Testström (Kommunstyrelsens ordförande)")
    assert_accessible(karin)
    shot(karin, "avtal-02-overenskommelse-en-underskrift")
    per = log_in(browser, site, LPO_CHEF)
    sign_after_reading(
        per, "/org/fagersta/overenskommelse", "Lokalpolisområde Norra Västmanland", "undertecknad av alla parter"
    )
    with Session(site.engine) as session:
        hashes = {s.content_hash for s in session.exec(select(Signature)).all()}
    digest = per.locator("code.hash").first.inner_text()
    assert hashes == {digest}

    # a change after the signatures makes version 2, which needs them again
    maria.goto("/org/fagersta/overenskommelse")
    maria.get_by_role("button", name="Ta bort mål 1").click()
    expect(maria.get_by_role("status")).to_contain_text("version 2")
    expect(maria.locator("table.signers")).not_to_contain_text("Karin Testström (")
    shot(maria, "avtal-03-ny-version")

    phone = log_in(browser, site, KSO, **PHONE)
    phone.goto("/org/fagersta/overenskommelse")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone)
    shot(phone, "avtal-04-overenskommelse-mobil")


def test_medborgarlofte_with_activities_risk_signatures_and_communication(browser: Browser, site: Live) -> None:
    maria = log_in(browser, site, SAMORDNARE)
    maria.goto("/org/fagersta/medborgarloften")
    maria.get_by_label("Löftet").fill("Vi lovar tryggare kvällar i centrum: mer ljus och fler vuxna på plats.")
    maria.get_by_role("button", name="Spara texten").click()
    expect(maria.get_by_role("status")).to_contain_text("Ändringen är sparad i version 1")
    maria.get_by_label("Ny aktivitet").fill("Fler kvällspass i centrum")
    maria.get_by_role("button", name="Lägg till aktivitet").click()
    expect(maria.locator(".risk")).to_contain_text("ingen ansvarig part")
    maria.get_by_label("Ny aktivitet").fill("Ny belysning på torget")
    maria.get_by_label("Ansvarig part").select_option(label="Fagersta kommun")
    maria.get_by_label("Klart senast").fill("2027-03-31")
    maria.get_by_role("button", name="Lägg till aktivitet").click()
    expect(maria.locator(".risk")).to_contain_text("Ingen aktivitet har Lokalpolisområde Norra Västmanland")
    assert_accessible(maria)
    shot(maria, "avtal-05-medborgarlofte-risk")

    karin = log_in(browser, site, KSO)
    sign_after_reading(karin, "/org/fagersta/medborgarloften", "Fagersta kommun", "Underskrift saknas från")
    per = log_in(browser, site, LPO_CHEF)
    sign_after_reading(per, "/org/fagersta/medborgarloften", "Lokalpolisområde Norra Västmanland", "alla parter")

    maria.goto("/org/fagersta/medborgarloften")
    maria.get_by_label("Hur löftet kommunicerades").fill("Lokaltidningen, kommunens webb och en trygghetsvandring.")
    maria.get_by_role("button", name="Spara kommunikationen").click()
    expect(maria.get_by_role("status")).to_contain_text("kommunicerades")
    maria.get_by_label("Uppföljning", exact=True).first.fill("Två pass i veckan sedan starten.")
    maria.get_by_role("button", name="Spara uppföljning av aktivitet 1").click()
    expect(maria.get_by_role("status")).to_contain_text("Uppföljningen av aktivitet 1 är sparad")
    assert_accessible(maria)
    shot(maria, "avtal-06-medborgarlofte-undertecknat")

    phone = log_in(browser, site, SAMORDNARE, **PHONE)
    phone.goto("/org/fagersta/medborgarloften")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone)
    shot(phone, "avtal-07-medborgarlofte-mobil")
    narrow = log_in(browser, site, SAMORDNARE, viewport={"width": 320, "height": 640}, is_mobile=True)
    for path in ("/org/fagersta/medborgarloften", "/org/fagersta/overenskommelse"):
        narrow.goto(path)
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 320, path
