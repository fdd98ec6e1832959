"""End to end in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the real
server: log in, see the due items, complete one with an uploaded document and watch its reminder leave the
outbox, sign as one party and see the agreement pending, be refused without the role, report from a phone.
Screenshots of the main pages go to test-output/skarmbilder/ (SAMVERKAN_TEST_OUTPUT to move it)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local, utcnow
from samverkan.database import session_scope
from samverkan.services.sweep import sweep
from tests.accessibility import assert_accessible
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver, agree_on
from tests.live import EST_SKOLA, KSO, PASSWORD, Live, fagersta_for_web, live_server
from tests.test_web import item_id

CHROMIUM = os.environ.get("SAMVERKAN_CHROMIUM", "/usr/bin/chromium")
FLAGS = [  # no sandbox as root; no background connections (this machine's network is closed)
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SHOTS = Path(os.environ.get("SAMVERKAN_TEST_OUTPUT", "test-output")) / "skarmbilder"


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'samverkan.db'}"  # the browser tests run on the embedded default


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} saknas: 'make test' installerar Debians chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    with session_scope(engine) as session:  # reminders for the two items due in three days
        sweep(session, utcnow(), org_keys=["fagersta"], kinds=["item_deadline"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def log_in(browser: Browser, site: Live, email: str, **context: object) -> Page:
    page = browser.new_context(base_url=site.url, locale="sv-SE", **context).new_page()  # type: ignore[arg-type]
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Mitt arbete")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_complete_an_item_in_the_browser_and_its_reminder_leaves_the_outbox(
    browser: Browser, site: Live, tmp_path: Path
) -> None:
    target = item_id(site.engine, "roller-och-ansvar")
    login = browser.new_context(base_url=site.url, locale="sv-SE").new_page()
    login.goto("/logga-in")
    expect(login.locator("html")).to_have_attribute("lang", "sv")
    shot(login, "01-logga-in")

    page = log_in(browser, site, KOMMUNPOLIS)
    due = page.get_by_role("link", name="Varje organisations förutsättningar, ansvar, roller och uppgifter")
    expect(due).to_be_visible()
    expect(page.get_by_text("klart senast").first).to_be_visible()
    shot(page, "02-mitt-arbete")

    page.goto("/org/fagersta/leveranser")
    reminder = page.locator(f'tr[data-related="item:{target}"]')
    expect(reminder).to_have_attribute("data-status", "vantar")
    shot(page, "03-leveranslogg-fore")

    page.goto("/mitt-arbete")
    due.click()
    expect(page.get_by_role("heading", name="Markera som klar")).to_be_visible()
    document = tmp_path / "roller-och-ansvar.pdf"
    document.write_bytes(b"%PDF-1.4\n% Roller och ansvar\n")
    page.get_by_label("Vad visar att punkten är klar?").fill("Roller och ansvar, fastställt av styrgruppen")
    page.get_by_label("Ladda upp dokumentet").set_input_files(str(document))
    shot(page, "04-markera-klar")
    page.get_by_role("button", name="Markera som klar").click()
    expect(page.get_by_role("status")).to_contain_text("är klar")
    expect(page.locator(f"#punkt-{target}")).to_contain_text("Roller och ansvar, fastställt av styrgruppen")
    shot(page, "05-cykeln")
    evidence = page.locator(f"#punkt-{target}").get_by_role("link", name="Roller och ansvar, fastställt av styrgruppen")
    with page.expect_download() as download:  # the evidence opens from the cycle page: the uploaded file itself
        evidence.click()
    assert Path(download.value.path()).read_bytes() == document.read_bytes()
    page.goto(f"/org/fagersta/punkt/{target}")  # the completed item: its evidence, who and when
    expect(page.get_by_role("main")).to_contain_text("markerad av Johan Prövare")
    expect(page.get_by_role("main")).to_contain_text(today_local().isoformat())
    expect(page.get_by_role("link", name="Roller och ansvar, fastställt av styrgruppen")).to_have_attribute(
        "href", re.compile(r"^/org/fagersta/filer/\d+$")
    )
    shot(page, "05b-klar-punkt")

    page.goto("/org/fagersta/leveranser")
    expect(page.locator(f'tr[data-related="item:{target}"]')).to_have_attribute("data-status", "stoppad")
    expect(page.locator(f'tr[data-related="item:{target}"]')).to_contain_text("stoppad: punkten är klar")
    shot(page, "06-leveranslogg-efter")

    for path, name in [
        ("/org/fagersta/beslut", "07-beslut"),
        ("/org/fagersta/atgarder", "08-atgarder"),
        ("/org/fagersta/handlingar", "09-handlingar"),
        ("/org/fagersta/arshjul", "10-arshjul"),
        ("/org/fagersta", "11-organisationen"),
        ("/konto", "12-konto"),
    ]:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        shot(page, name)


def test_sign_as_one_party_and_see_it_pending(browser: Browser, site: Live) -> None:
    page = log_in(browser, site, KSO)
    expect(page.get_by_text("Underskrift senare: Samverkansöverenskommelse")).to_be_visible()
    page.goto("/org/fagersta/overenskommelse")  # the content is not complete: what is missing, and no button
    expect(page.locator(".unsignable")).to_contain_text("Det saknas:")
    expect(page.locator(".unsignable li").first).to_have_text("revisionsdatum")
    expect(page.get_by_role("button", name="Skriv under för Fagersta kommun")).to_have_count(0)
    assert_accessible(page)
    shot(page, "13-underskrift-innehall-saknas")
    agree_on(Driver(site.engine, "fagersta", today_local()))
    page.goto("/org/fagersta/beslut")
    card = page.locator('[data-subject="agreement"]')
    card.get_by_role("link", name="Läs texten och skriv under").click()  # the text first, then the confirm step
    page.get_by_label("och skriver under den för Fagersta kommun").check()
    page.get_by_role("button", name="Skriv under för Fagersta kommun").click()
    expect(page.get_by_role("status")).to_contain_text("Underskrift saknas från: Lokalpolisområde Norra Västmanland")
    page.goto("/org/fagersta/beslut")
    expect(page.locator('[data-subject="agreement"] .tag')).to_have_text("väntar på underskrift")
    shot(page, "13-underskrift-vantar")


def test_without_the_role_the_action_is_not_offered_and_a_forged_post_is_refused(browser: Browser, site: Live) -> None:
    target = item_id(site.engine, "kommunikationsplan")  # the samordnare's item
    page = log_in(browser, site, EST_SKOLA)
    page.goto(f"/org/fagersta/punkt/{target}")
    expect(page.get_by_role("button", name="Markera som klar")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text(
        "Brottsförebyggande samordnare: Maria Exempelsson markerar punkten"
    )
    shot(page, "14-nekad")
    client = site.login(EST_SKOLA)  # the form sent anyway: the service refuses it, naming the person and the role
    answer = client.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": client.csrf, "title": "Kommunikationsplan", "uri": "K 2026/7"},  # type: ignore[attr-defined]
    )
    assert (
        answer.status_code == 403
        and "Erik Lärare" in answer.text
        and "det kräver rollen Brottsförebyggande samordnare" in answer.text
    )
    page.goto("/org/fagersta/leveranser")
    expect(page.get_by_role("alert")).to_contain_text("för samordnaren och kommunpolisen")


def test_est_observation_from_a_phone(browser: Browser, site: Live) -> None:
    page = log_in(browser, site, EST_SKOLA, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/org/fagersta/est")
    page.get_by_label("Vad", exact=True).select_option("Skadegörelse")
    page.get_by_role("textbox", name="Var (område eller plats)").fill("Resecentrum")
    page.get_by_label("När på dygnet").select_option("kväll")
    page.get_by_label("Din verksamhet").fill("skola")
    page.get_by_label("Antal händelser").fill("4")
    shot(page, "15-est-mobil")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is wider than the phone ({width}px)"
    page.get_by_role("button", name="Skicka observationen").click()
    expect(page.get_by_role("status")).to_contain_text("Observationen är sparad")
    expect(page.locator("table").first).to_contain_text("Skadegörelse")
    shot(page, "16-est-lagesbild")


PHONE_320 = {"width": 320, "height": 640}
TABLE_PAGES = (
    "/konto",
    "/org/fagersta/cykel",
    "/org/fagersta/beslut",
    "/org/fagersta/atgarder",
    "/org/fagersta/leveranser",
    "/org/fagersta/handlingar",
    "/org/fagersta/arshjul",
    "/org/fagersta",
    "/api/dokumentation",
)


def test_pages_reflow_at_320_px_and_keep_their_column_labels(browser: Browser, site: Live) -> None:
    page = log_in(browser, site, SAMORDNARE, viewport=PHONE_320, is_mobile=True, has_touch=True)
    for path in TABLE_PAGES:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is wider than 320 px ({width}px)"
        unlabelled = page.evaluate("[...document.querySelectorAll('table.responsive td:not([data-label])')].length")
        assert unlabelled == 0, path
        shown = page.evaluate(
            "[...document.querySelectorAll('table.responsive td[data-label]:not([data-label=\"\"])')]"
            ".map(td => getComputedStyle(td, '::before').content)"
        )
        assert all(content.startswith('"') for content in shown), (path, shown[:3])
    shot(page, "17-atgarder-320")


def test_focus_ring_is_dark_with_a_light_inner_ring(browser: Browser, site: Live) -> None:
    page = log_in(browser, site, KSO)
    page.goto("/org/fagersta/cykel")
    page.keyboard.press("Tab")  # the skip link
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineColor, s.outlineWidth, s.boxShadow]; })()"
    )
    assert ring[0] == "solid" and ring[1] == "rgb(27, 27, 27)" and ring[2] == "3px", ring
    assert "rgb(255, 255, 255)" in ring[3], ring


def test_api_documentation_shows_the_operations_in_chromium(browser: Browser, site: Live) -> None:
    page = browser.new_context(base_url=site.url, locale="sv-SE").new_page()
    page.goto("/api/dokumentation")
    expect(page.get_by_role("heading", name="API-dokumentation")).to_be_visible()
    spec = page.request.get("/api/openapi.json").json()
    count = sum(
        1 for item in spec["paths"].values() for method in item if method in ("get", "post", "put", "patch", "delete")
    )
    assert page.locator("section.operation").count() == count
    expect(page.locator("section.operation").first).to_be_visible()
    shot(page, "18-api-dokumentation")
