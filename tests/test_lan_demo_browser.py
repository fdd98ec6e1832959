"""The länsstyrelse's Översikt and Länet pages in real Chromium, at desktop and phone width: its county in place
of a cycle it cannot run, nothing wider than the screen, axe-core clean. Screenshots go to
test-output/skarmbilder/ (lan-demo-*)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.accessibility import assert_accessible
from tests.live import Live
from tests.test_browser import browser, log_in, shot  # noqa: F401  (the fixture)
from tests.test_lan_browser import PHONE, REGIONAL, county_site, db_url, fits  # noqa: F401  (the fixtures)

LAN = "/org/lansstyrelsen-vastmanland"


def test_the_lansstyrelse_sees_its_county_on_desktop_and_phone(browser: Browser, county_site: Live) -> None:  # noqa: F811
    for size, context in (("desktop", {"viewport": {"width": 1280, "height": 900}}), ("mobil", PHONE)):
        page = log_in(browser, county_site, REGIONAL, **context)
        page.goto(LAN + "/oversikt")
        main = page.locator("main")
        expect(page.get_by_role("heading", name="Länet: Västmanlands län")).to_be_visible()
        expect(main).to_contain_text("Fagersta kommun")
        expect(page.get_by_role("heading", name=re.compile("^Månadsanalys"))).to_be_visible()
        expect(page.get_by_role("heading", name="Nätverket")).to_be_visible()
        expect(main).not_to_contain_text("Cykelns faser")
        expect(main).not_to_contain_text("Starta")
        fits(page, 1280 if size == "desktop" else 390)
        assert_accessible(page)
        shot(page, f"lan-demo-oversikt-{size}")
        page.get_by_role("link", name=re.compile("^Hela länet")).click()
        expect(page.get_by_role("heading", name="Länet: Västmanlands län")).to_be_visible()
        page.get_by_text("Tidigare månader").click()
        fits(page, 1280 if size == "desktop" else 390)
        assert_accessible(page)
        shot(page, f"lan-demo-lanet-{size}")
        page.context.close()
