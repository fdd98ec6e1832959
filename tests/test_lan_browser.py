"""The regional level in real Chromium (issue 17): a förvaltning reports its weekly contribution from a phone, the
kommun's coordinator compiles the week, the länsstyrelse's coordinator reads the county page and the monthly
analysis (aggregates only), and a kommun's coordinator cannot see another kommun's data. Screenshots go to
test-output/skarmbilder/; every page is checked with axe-core at desktop and phone width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.core.timeutil import today_local
from samverkan.database import session_scope
from samverkan.models import Person
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from samverkan.services import accounts
from tests.accessibility import assert_accessible
from tests.conftest import EXAMPLES
from tests.live import EST_SKOLA, Live, _hashed, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, log_in, shot  # noqa: F401  (the fixture)

SAMORDNARE = "maria.exempelsson@fagersta.example"
REGIONAL = "helena.lansson@lansstyrelsen.example"
JARNBODA = "anna.samordnarsson@jarnboda.example"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
FREE_TEXT = "Stenar kastade mot busskuren"


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'samverkan.db'}"


@pytest.fixture
def county_site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine, with_deadlines=False)
    for name in ("jarnboda", "malmberga", "lansstyrelsen-vastmanland"):
        with session_scope(engine) as session:
            load_config(session, validate_file(EXAMPLES / f"{name}.yaml"))
    with session_scope(engine) as session:
        have = {a.person_id for a in session.exec(select(accounts.Account)).all()}
        for person in session.exec(select(Person)).all():
            if person.id not in have:
                session.add(accounts.Account(person_id=person.id, password_hash=_hashed()))
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is wider than {width} px ({scroll}px)"


def report(page: Page, category: str, count: str) -> None:
    page.goto("/org/fagersta/veckolagesbild")
    page.get_by_label("Kategori").select_option(category)
    page.get_by_label("Område").fill("Resecentrum")
    page.get_by_label("Tid på dygnet").select_option("kväll")
    page.get_by_label("Antal händelser").fill(count)
    page.get_by_label("Utveckling jämfört med förra veckan").select_option("okar")
    page.get_by_label("Kort beskrivning").fill(FREE_TEXT)


def test_a_week_flows_from_a_phone_to_the_county(browser: Browser, county_site: Live) -> None:  # noqa: F811
    phone = log_in(browser, county_site, EST_SKOLA, **PHONE)
    report(phone, "Skadegörelse", "4")
    fits(phone, 390)
    assert_accessible(phone)
    shot(phone, "lan-01-bidrag-mobil")
    phone.get_by_role("button", name="Skicka bidraget").click()
    expect(phone.get_by_role("status")).to_contain_text("Ditt bidrag till veckans lägesbild är sparat")
    expect(phone.locator("table")).to_contain_text("Resecentrum")
    expect(phone.get_by_role("button", name="Sammanställ veckolägesbilden")).to_have_count(0)  # not coordinating

    desk = log_in(browser, county_site, SAMORDNARE, viewport={"width": 1280, "height": 900})
    desk.goto("/org/fagersta/cykel")
    desk.get_by_role("navigation", name="Fagersta kommun").get_by_role("link", name="Veckolägesbild").click()
    expect(desk.locator("table")).to_contain_text(FREE_TEXT)  # the kommun's own people read the text
    desk.get_by_label("Sammanfattning").fill("Skadegörelse kvällstid vid resecentrum.")
    desk.get_by_role("button", name="Sammanställ veckolägesbilden").click()
    expect(desk.get_by_role("status")).to_contain_text("sammanställd av 1 bidrag")
    assert_accessible(desk)
    shot(desk, "lan-02-sammanstallning")
    desk.get_by_role("link", name=f"Vecka {today_local().isocalendar()[1]}").click()
    expect(desk.get_by_role("heading", name="Veckolägesbild", exact=False).first).to_be_visible()
    expect(desk.locator("main")).to_contain_text("Skadegörelse")
    shot(desk, "lan-03-veckolagesbild-dokument")

    regional = log_in(browser, county_site, REGIONAL, viewport={"width": 1280, "height": 900})
    regional.goto("/org/lansstyrelsen-vastmanland/oversikt")  # the organisation's landing page
    expect(regional.get_by_role("heading", name="Översikt")).to_be_visible()
    nav = [
        link.inner_text()
        for link in regional.get_by_role("navigation", name="Länsstyrelsen Västmanland").get_by_role("link").all()
    ]
    assert "Länet" in nav and "Lägesbild" not in nav and "Veckolägesbild" not in nav, nav  # a county's own menu
    assert_accessible(regional)
    shot(regional, "lan-00-oversikt")
    regional.get_by_role("navigation", name="Länsstyrelsen Västmanland").get_by_role("link", name="Länet").click()
    expect(regional.get_by_role("heading", name="Länet", exact=False)).to_be_visible()
    table = regional.locator("table", has_text="Kommunerna i länet")
    expect(table).to_contain_text("Fagersta kommun")
    expect(table).to_contain_text(f"vecka {today_local().isocalendar()[1]}")
    expect(table).to_contain_text("Malmberga kommun")
    expect(regional.locator("main")).not_to_contain_text(FREE_TEXT)
    assert_accessible(regional)
    shot(regional, "lan-04-lanet")
    regional.get_by_role("link", name="Hela analysen").click()
    row = regional.locator("table", has_text="Antal per kategori").locator("tr", has_text="Skadegörelse")
    expect(row.locator("td").first).to_have_text("4")  # the county's total (three or more is shown)
    expect(regional.locator("main")).not_to_contain_text(FREE_TEXT)
    expect(regional.locator("main")).not_to_contain_text("Skadegörelse kvällstid")  # the kommun's summary stays
    assert_accessible(regional)
    shot(regional, "lan-05-manadsanalys")
    regional.goto("/org/fagersta/veckolagesbild")  # Helena's role in Fagersta's file is the länsstyrelse's
    expect(regional.locator("main")).not_to_contain_text(FREE_TEXT)

    small = log_in(browser, county_site, REGIONAL, **PHONE)
    for path in ("/org/lansstyrelsen-vastmanland/lan", "/org/lansstyrelsen-vastmanland/lan/analys/2027/3"):
        small.goto(path)
        fits(small, 390)
        assert_accessible(small)
    shot(small, "lan-06-manadsanalys-mobil")


def test_a_kommun_sees_only_itself(browser: Browser, county_site: Live) -> None:  # noqa: F811
    page = log_in(browser, county_site, SAMORDNARE, viewport={"width": 1280, "height": 900})
    for path in ("/org/jarnboda/veckolagesbild", "/org/lansstyrelsen-vastmanland/lan"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
        expect(page.get_by_role("alert")).to_contain_text("har ingen roll")
    other = log_in(browser, county_site, JARNBODA, viewport={"width": 1280, "height": 900})
    answer = other.goto("/org/fagersta/veckolagesbild")
    assert answer is not None and answer.status == 403
    expect(other.get_by_role("navigation", name="Järnboda kommun")).to_have_count(0)  # the error page has no org nav
    other.goto("/org/jarnboda/veckolagesbild")
    expect(other.get_by_role("navigation", name="Järnboda kommun").get_by_role("link", name="Länet")).to_have_count(0)
    shot(page, "lan-07-ingen-atkomst")
