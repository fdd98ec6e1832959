"""Evidence that proves what it claims, in headless Chromium: the item page without a decision it could cite says
which body must decide first and links the Beslut page; a fake PDF is refused on the page, in Swedish, and the
item stays open. Each page passes axe-core and is photographed (test-output/skarmbilder/bevis-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local
from samverkan.models.enums import ItemStatus
from tests.accessibility import assert_accessible
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver
from tests.live import Live, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, db_url, log_in  # noqa: F401  (fixtures)
from tests.test_evidence_proves_web import status
from tests.test_web import item_id


def checked(page: Page, name: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / f"bevis-{name}.png"), full_page=True)


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine, with_deadlines=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def test_no_decision_to_cite_and_a_fake_pdf_in_the_browser(browser: Browser, site: Live, tmp_path: Path) -> None:  # noqa: F811
    decision_item = item_id(site.engine, "beslut-om-samverkan")
    page = log_in(browser, site, SAMORDNARE)
    page.goto(f"/org/fagersta/punkt/{decision_item}")
    notice = page.get_by_role("status").filter(has_text="Inget protokollfört beslut kan visa punkten än")
    expect(notice).to_contain_text("ett beslut av Styrgrupp för samverkan kommun–polis")
    expect(page.get_by_role("button", name="Markera som klar")).to_have_count(0)
    checked(page, "01-inget-beslut")
    notice.get_by_role("link", name="Protokollför beslutet på sidan Beslut och underskrifter").click()
    expect(page.get_by_role("heading", name="Beslut och underskrifter")).to_be_visible()
    d = Driver(site.engine, "fagersta", today_local())
    number = d.decision("Beslut om samverkan")
    page.goto(f"/org/fagersta/punkt/{decision_item}")
    expect(page.get_by_label("Beslut (fattat av Styrgrupp för samverkan kommun–polis)")).to_have_value(str(number))
    page.get_by_label("Vad visar att punkten är klar?").fill("Beslut om samverkan")
    page.get_by_role("button", name="Markera som klar").click()
    expect(page.get_by_role("status").first).to_contain_text("är klar")

    roles = item_id(site.engine, "roller-och-ansvar")
    johan = log_in(browser, site, KOMMUNPOLIS)
    johan.goto(f"/org/fagersta/punkt/{roles}")
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
    johan.get_by_label("Ladda upp dokumentet").set_input_files(str(fake))
    johan.get_by_role("button", name="Markera som klar").click()
    expect(johan.locator("main")).to_contain_text(
        "filen fake.pdf tas inte emot: namnet säger en PDF, men innehållet ser ut som ett Windows-program"
    )
    checked(johan, "02-falsk-pdf")
    johan.goto("/org/fagersta/cykel")
    expect(johan.get_by_role("row", name="Varje organisations förutsättningar")).to_contain_text("öppen")
    assert status(site.engine, "roller-och-ansvar") == ItemStatus.OPEN
