"""Indikatorer and Verkningskedjan in real headless Chromium: a samordnare reads the chain and its gaps, follows a
gap to the indicator, enters a measurement and uploads a CSV file (refused with located errors, then accepted),
on a desktop and on a phone; a browser without JavaScript does the same form. Every page passes axe-core and is
photographed into test-output/skarmbilder/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local
from tests.accessibility import assert_accessible
from tests.drive import SAMORDNARE
from tests.live import Live, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, db_url, log_in, shot
from tests.test_kedja_web import with_chain

__all__ = ["browser", "db_url"]  # the browser and the SQLite database of tests/test_browser.py
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Live, dict[str, int]]]:
    fagersta_for_web(engine)
    ids = with_chain(engine)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server, ids


def fits(page: Page, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{page.url} is wider than the screen ({scrolled}px > {width}px)"


def test_the_chain_and_an_indicator_on_a_desktop(
    browser: Browser, site: tuple[Live, dict[str, int]], tmp_path: Path
) -> None:
    live, ids = site
    year = today_local().year
    page = log_in(browser, live, SAMORDNARE, viewport={"width": 1280, "height": 900})
    page.goto("/org/fagersta/cykel")
    page.get_by_role("navigation", name="Fagersta kommun").get_by_role("link", name="Verkningskedjan").click()
    expect(page.get_by_role("heading", name="Verkningskedjan", level=1)).to_be_visible()
    gaps = page.locator(".kedja-luckor")
    expect(gaps.get_by_role("heading", level=2)).to_have_text("Luckor i kedjan (2)")
    expect(gaps).to_contain_text("har ingen åtgärd")
    expect(page.locator(f"#atgard-{ids['measure']}")).to_contain_text("Ny belysning på torget")
    expect(page.get_by_role("img", name="Åtgärder per status")).to_be_visible()
    assert_accessible(page)
    shot(page, "kedja-01-verkningskedjan")

    page.get_by_role("link", name="Anmälda brott per 100 000 invånare").first.click()
    expect(page.get_by_role("heading", name="Anmälda brott per 100 000 invånare", level=1)).to_be_visible()
    chart = page.get_by_role("img", name="Anmälda brott per 100 000 invånare")
    expect(chart).to_be_visible()
    expect(page.locator("circle.preliminar")).to_have_count(1)
    assert_accessible(page)
    shot(page, "kedja-02-indikator")

    page.get_by_role("textbox", name="Period").fill(f"{year}-Q1")
    page.get_by_role("textbox", name="Värde").fill("10 950,5")
    page.get_by_role("button", name="Spara mätvärdet").click()
    expect(page.get_by_role("status")).to_have_text("Mätvärden sparade: 1 nya, 0 ändrade, 0 oförändrade.")
    expect(page.locator("circle.slutlig")).to_have_count(2)
    bad = tmp_path / "matvarden.csv"
    bad.write_text(f"indikator;period;värde\nanmalda-brott;{year - 3};tolv\n", encoding="utf-8")
    page.get_by_label("CSV-fil").set_input_files(str(bad))
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.get_by_role("alert")).to_contain_text("matvarden.csv:2: 'tolv' är inget tal")
    assert_accessible(page)
    shot(page, "kedja-03-csv-fel")
    bad.write_text(f"indikator;period;värde\nanmalda-brott;{year - 3};12 400\n", encoding="utf-8")
    page.get_by_label("CSV-fil").set_input_files(str(bad))
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.get_by_role("status")).to_have_text("Mätvärden sparade: 1 nya, 0 ändrade, 0 oförändrade.")
    expect(page.locator("circle.slutlig")).to_have_count(3)
    shot(page, "kedja-04-indikator-efter")

    page.get_by_role("navigation", name="Fagersta kommun").get_by_role("link", name="Indikatorer").click()
    expect(page.get_by_role("heading", name="Indikatorer", level=1)).to_be_visible()
    expect(page.locator(f"#indikator-{ids['crimes']}")).to_contain_text(f"10 950,5 ({year}-Q1)")
    expect(page.get_by_role("img", name="EST-observationer per månad och kategori")).to_be_visible()
    assert_accessible(page)
    shot(page, "kedja-05-indikatorer")


def test_the_chain_and_an_indicator_on_a_phone(browser: Browser, site: tuple[Live, dict[str, int]]) -> None:
    live, ids = site
    page = log_in(browser, live, SAMORDNARE, **PHONE)
    for path, name in (
        ("/org/fagersta/kedja", "kedja-06-verkningskedjan-mobil"),
        ("/org/fagersta/indikatorer", "kedja-07-indikatorer-mobil"),
        (f"/org/fagersta/indikatorer/{ids['crimes']}", "kedja-08-indikator-mobil"),
    ):
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        fits(page, 390)
        assert_accessible(page)
        shot(page, name)
    box = page.get_by_role("img", name="Anmälda brott per 100 000 invånare").bounding_box()
    assert box is not None and box["width"] <= 390  # the chart shrinks to the phone


def test_a_measurement_without_javascript(browser: Browser, site: tuple[Live, dict[str, int]]) -> None:
    live, ids = site
    page = log_in(browser, live, SAMORDNARE)
    cookies = page.context.cookies()
    plain = browser.new_context(base_url=live.url, locale="sv-SE", java_script_enabled=False)
    plain.add_cookies(cookies)  # type: ignore[arg-type]
    page = plain.new_page()
    page.goto(f"/org/fagersta/indikatorer/{ids['ntu']}")
    page.get_by_role("textbox", name="Period").fill(str(today_local().year - 1))
    page.get_by_role("textbox", name="Värde").fill("16,2")
    page.get_by_label("Preliminärt värde").check()
    page.get_by_role("button", name="Spara mätvärdet").click()
    expect(page.get_by_role("status")).to_have_text("Mätvärden sparade: 1 nya, 0 ändrade, 0 oförändrade.")
    expect(page.locator("table.diagramdata")).to_contain_text("preliminärt")
