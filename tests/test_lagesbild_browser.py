"""In headless Chromium: the samordnare builds Fagersta's lägesbild from empty (problems, the police's own
lägesbild, sources, the criteria matrix) and records the prioritisation as the styrgrupp's decision, entirely in
the browser; every page is checked with axe-core at desktop and phone width and photographed into
test-output/skarmbilder/."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.accessibility import assert_accessible
from tests.drive import SAMORDNARE
from tests.live import Live
from tests.test_browser import browser, db_url, log_in, shot, site  # noqa: F401  (the fixtures)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROWEST = {"width": 320, "height": 640}


def _add_problem(page: Page, title: str, area: str, category: str) -> None:
    page.locator("#title").fill(title)
    page.get_by_label("Beskrivning").fill("Kvällar och helger, främst vid torget.")
    page.get_by_label("Område").fill(area)
    page.get_by_label("Kategori").fill(category)
    page.get_by_label("Period från").fill("2026-01-01")
    page.get_by_label("Period till").fill("2026-10-31")
    page.get_by_role("button", name="Lägg till problemet").click()
    expect(page.get_by_role("status")).to_contain_text("är tillagt")


def _assess(page: Page, scores: dict[str, str]) -> None:
    for name, value in scores.items():
        page.get_by_label(name, exact=True).select_option(value)
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_role("status")).to_contain_text("Bedömningen av")


def _fits(page: Page, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{page.url} is wider than {width} px ({scrolled}px)"


def test_the_samordnare_builds_the_lagesbild_and_records_the_prioritisation(
    browser: Browser,  # noqa: F811
    site: Live,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = log_in(browser, site, SAMORDNARE, viewport=DESKTOP)
    page.get_by_role("link", name="Fagersta kommun").first.click()
    page.get_by_role("navigation", name="Fagersta kommun").get_by_role("link", name="Lägesbild", exact=True).click()
    expect(page.get_by_role("heading", name="Lägesbild", exact=True)).to_be_visible()
    assert page.locator("script").count() == 0  # nothing on the page needs JavaScript
    assert_accessible(page)
    shot(page, "lagesbild-01-tom")

    _add_problem(page, "Skadegörelse i centrum", "Centrum", "skadegörelse")
    _add_problem(page, "Otrygghet vid resecentrum", "Resecentrum", "otrygghet")
    _add_problem(page, "Cykelstölder", "Hela kommunen", "stöld")
    document = tmp_path / "polisens-lagesbild.pdf"
    document.write_bytes(b"%PDF-1.4\n% Polisens lagesbild\n")
    page.get_by_label("Part").select_option(label="Lokalpolisområde Norra Västmanland")
    page.locator("#lb-title").fill("Polisens lägesbild 2026")
    page.get_by_label("Kort sammanfattning").fill("Skadegörelse och otrygghet kvällstid kring centrum ökar.")
    page.get_by_label("Dokumentet").set_input_files(str(document))
    page.get_by_role("button", name="Lägg in lägesbilden").click()
    expect(page.get_by_role("status")).to_contain_text("'Polisens lägesbild 2026' är inlagd")

    page.get_by_role("link", name="Otrygghet vid resecentrum").first.click()
    expect(page.get_by_role("heading", name="Otrygghet vid resecentrum")).to_be_visible()
    page.get_by_label("Typ av källa").select_option(label="partens egen lägesbild")
    page.get_by_label("Partens lägesbild").select_option(label="Polisens lägesbild 2026")
    page.get_by_label("Vad källan visar").fill("Avsnitt 2: kvällstid")
    page.get_by_role("button", name="Lägg till källan").click()
    expect(page.get_by_role("status")).to_contain_text("Källan är tillagd")
    expect(page.get_by_role("link", name="Partens lägesbild: Polisens lägesbild 2026")).to_be_visible()
    _assess(page, {"Omfattning": "4", "Allvar": "4", "Utveckling": "5", "Otrygghet": "5", "Kostnad": "3"})
    assert_accessible(page)
    shot(page, "lagesbild-02-problem")

    page.get_by_role("link", name="← Lägesbilden").click()
    page.get_by_role("link", name="Skadegörelse i centrum").first.click()
    _assess(page, {"Omfattning": "3", "Allvar": "3", "Utveckling": "3", "Otrygghet": "3", "Kostnad": "4"})
    page.get_by_role("link", name="← Lägesbilden").click()

    # the form's preselection follows the matrix: Otrygghet (21) first, Skadegörelse (16) second
    expect(page.get_by_label("Beslut om Otrygghet vid resecentrum")).to_have_value("1")
    expect(page.get_by_label("Beslut om Skadegörelse i centrum")).to_have_value("2")
    page.get_by_label("Beslut om Cykelstölder").select_option(label="Bortprioriterat")
    page.get_by_role("button", name="Protokollför prioriteringen som beslut").click()
    expect(page.get_by_role("alert")).to_contain_text("bortprioriterat utan skäl")  # refused, nothing recorded
    page.get_by_label("Motivering för Cykelstölder").fill("Polisen driver det i egen regi")
    page.get_by_label("Diarienummer").fill("KS 2026/118")
    page.get_by_role("button", name="Protokollför prioriteringen som beslut").click()
    expect(page.get_by_role("status")).to_contain_text("Prioriteringen är protokollförd som beslut nr")
    decision = page.get_by_role("region", name="Prioriterat av Styrgrupp för samverkan kommun–polis")
    expect(decision).to_contain_text("dnr KS 2026/118")
    expect(decision.locator("ol li")).to_have_text([
        "Otrygghet vid resecentrum", "Skadegörelse i centrum",
    ])  # fmt: skip
    expect(decision).to_contain_text("Cykelstölder: Polisen driver det i egen regi")
    assert_accessible(page)
    _fits(page, DESKTOP["width"])
    shot(page, "lagesbild-03-prioriterad")

    phone = log_in(browser, site, SAMORDNARE, viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto("/org/fagersta/lagesbild")
    expect(phone.get_by_role("heading", name="Prioriterat av Styrgrupp", exact=False)).to_be_visible()
    _fits(phone, PHONE["width"])
    assert_accessible(phone)
    shot(phone, "lagesbild-04-mobil")
    phone.get_by_role("link", name="Otrygghet vid resecentrum").first.click()
    _fits(phone, PHONE["width"])
    assert_accessible(phone)
    shot(phone, "lagesbild-05-problem-mobil")
    narrow = log_in(browser, site, SAMORDNARE, viewport=NARROWEST, is_mobile=True, has_touch=True)
    for path in ("/org/fagersta/lagesbild", phone.url.replace(site.url, "")):
        narrow.goto(path)
        _fits(narrow, NARROWEST["width"])
        assert narrow.evaluate("[...document.querySelectorAll('table.responsive td:not([data-label])')].length") == 0
