"""Orsaksanalys and åtgärdsplan in real headless Chromium, without JavaScript doing anything the server does not:
a kommunpolis builds the analysis of a prioritised problem (a cause tree, a perspective that is not relevant, a
medborgardialog) on a desktop, and a samordnare creates, changes and cancels åtgärder from its causes on a phone.
Every new page passes axe-core (WCAG 2.1 AA) at desktop and phone width; screenshots in test-output/skarmbilder/."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from samverkan.core.timeutil import today_local
from tests.accessibility import assert_accessible
from tests.drive import KOMMUNPOLIS, SAMORDNARE
from tests.live import Live
from tests.test_browser import browser, db_url, log_in, shot, site  # noqa: F401  (the fixtures)
from tests.test_orsak_web import prioritised_problem

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def fits(page: Page, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{page.url} is wider than {width} px ({scrolled}px)"


def add_cause(page: Page, perspective: str, text: str, parent: str | None = None, sources: str = "") -> None:
    form = page.locator('form[action$="/orsak"]')
    form.get_by_label("Perspektiv").select_option(label=perspective)
    if parent:
        form.get_by_label("Indirekt (bakomliggande) orsak").check()
        form.get_by_label("Ligger bakom orsak").select_option(label=parent)
    form.get_by_label("Orsak (inga personuppgifter)").fill(text)
    form.get_by_label("Källor").fill(sources)
    form.get_by_role("button", name="Lägg till orsaken").click()
    expect(page.get_by_role("status")).to_contain_text("är tillagd")


def test_a_kommunpolis_makes_an_analysis_on_a_desktop(browser: Browser, site: Live) -> None:  # noqa: F811
    problem = prioritised_problem(site.engine)
    page = log_in(browser, site, KOMMUNPOLIS, viewport=DESKTOP)
    page.set_default_timeout(10000)
    page.goto("/org/fagersta/cykel")
    page.locator("nav.org").get_by_role("link", name="Orsaksanalys").click()
    expect(page.get_by_role("heading", name="Orsaksanalys", exact=True)).to_be_visible()
    expect(page.locator(f'tr[data-problem="{problem}"]')).to_contain_text("ej påbörjad")
    assert_accessible(page)
    shot(page, "orsak-01-orsaksanalyser")

    page.get_by_role("link", name="Skadegörelse i centrum kvällstid").click()
    add_cause(page, "Plats/objekt", "Mörkt torg med skymda siktlinjer", sources="Trygghetsvandring, polisens lägesbild")
    add_cause(page, "Plats/objekt", "Belysningen underhålls inte", parent="Orsak 1: Mörkt torg med skymda siktlinjer")
    page.get_by_role("button", name="Markera analysen som klar").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("kan inte slutföras")
    expect(alert).to_contain_text("perspektivet brottsutsatt")
    expect(alert).to_contain_text("perspektivet gärningsperson")
    shot(page, "orsak-02-nekad-triangeln")

    add_cause(page, "Gärningsperson", "Få fritidsaktiviteter för unga kvällstid", sources="Fritidsgårdens statistik")
    form = page.locator('form[action$="/inte-relevant"]')
    form.get_by_label("Perspektiv").select_option(label="Brottsutsatt")
    form.get_by_label("Inte relevant, eftersom …").fill("skadegörelsen drabbar kommunens egendom, inte personer")
    form.get_by_role("button", name="Spara skälet").click()
    expect(page.get_by_role("status")).to_contain_text("inte relevant")
    page.get_by_text("Registrera en medborgardialog").click()
    dialogue = page.locator('form[action$="/medborgardialog"]')
    dialogue.get_by_label("Datum").fill(today_local().isoformat())
    dialogue.get_by_label("Form").fill("Trygghetsvandring")
    dialogue.get_by_label("Antal deltagare").fill("23")
    dialogue.get_by_label("Vad som kom fram").fill("Torget upplevs mörkt; unga saknar platser att vara på")
    dialogue.get_by_role("button", name="Registrera dialogen").click()
    expect(page.get_by_role("status")).to_contain_text("Medborgardialogen")
    tree = page.locator('section[data-perspective="plats"] ul.orsaker ul.orsaker')
    expect(tree).to_contain_text("Belysningen underhålls inte")  # the underlying cause, nested under its parent
    assert_accessible(page)
    shot(page, "orsak-03-analysen")

    page.get_by_label("Sammanfattning").fill("Platsen och bristen på fritid för unga förklarar skadegörelsen")
    page.get_by_role("button", name="Markera analysen som klar").click()
    expect(page.get_by_role("status")).to_contain_text("Orsaksanalysen är klar.")
    expect(page.get_by_role("heading", name="Analysen är klar")).to_be_visible()
    assert_accessible(page)
    shot(page, "orsak-04-klar")
    page.goto("/org/fagersta/orsaksanalys")
    expect(page.locator(f'tr[data-problem="{problem}"] .tag')).to_have_text("klar")


def new_measure(page: Page, cause_number: int, title: str, owner: str, indicator: str | None) -> None:
    page.get_by_text(f"Ny åtgärd för orsak {cause_number}").click()
    form = page.locator(f'details:has(summary:text-is("Ny åtgärd för orsak {cause_number}")) form')
    form.get_by_label("Åtgärd", exact=True).fill(title)
    form.get_by_label("Mål (SMART)").fill("Anmäld skadegörelse vid torget minskar med 20 % till december 2027")
    if indicator:
        form.get_by_label(indicator).check()
    form.get_by_label("Ansvarig roll").select_option(value=owner)
    form.get_by_label("Arbetsgrupp").fill("Trygg stadskärna")
    form.get_by_label("Klart senast").fill(today_local().replace(year=today_local().year + 1).isoformat())
    form.get_by_label("Hur åtgärden följs upp").fill("Anmälningar per kvartal; trygghetsvandring i höst")
    form.get_by_label("Planerade timmar").fill("120")
    form.get_by_label("Planerad kostnad (kr)").fill("85000")
    form.get_by_role("button", name="Lägg till åtgärden").click()
    expect(page.get_by_role("status")).to_contain_text("är tillagd")


def test_a_samordnare_makes_the_plan_on_a_phone(browser: Browser, site: Live) -> None:  # noqa: F811
    problem = prioritised_problem(site.engine)
    polis = log_in(browser, site, KOMMUNPOLIS, viewport=DESKTOP)
    polis.set_default_timeout(10000)
    polis.goto(f"/org/fagersta/orsaksanalys/{problem}")
    add_cause(polis, "Plats/objekt", "Mörkt torg med skymda siktlinjer")
    add_cause(polis, "Gärningsperson", "Få fritidsaktiviteter för unga kvällstid")

    page = log_in(browser, site, SAMORDNARE, **PHONE)
    page.set_default_timeout(10000)
    page.goto("/org/fagersta/atgardsplan")
    expect(page.get_by_role("heading", name="Åtgärdsplan", exact=True)).to_be_visible()
    expect(page.get_by_text("Styrgrupp för samverkan kommun–polis").first).to_be_visible()
    fits(page, 390)
    assert_accessible(page)
    shot(page, "orsak-05-atgardsplan-mobil")

    new_measure(page, 1, "Ny belysning på torget", "samordnare", "Anmälda brott per 100 000 invånare")
    new_measure(page, 2, "Kvällsöppen fritidsgård", "kommunpolis", None)
    belysning = page.locator("article.atgard", has_text="Ny belysning på torget")
    expect(belysning).to_contain_text("Anmälda brott per 100 000 invånare")
    expect(page.locator("article.atgard", has_text="Kvällsöppen fritidsgård")).to_contain_text("ingen indikator")
    fits(page, 390)
    shot(page, "orsak-06-atgarder-mobil")

    belysning.get_by_text("Ändra omfattning (beslut)").click()
    change = belysning.locator('form[action$="/andring"]')
    change.get_by_label("Planerad kostnad (kr)").fill("95000")
    change.get_by_label("beslut och skälen").fill("Styrgruppen utökar budgeten; fler armaturer behövs.")
    change.get_by_role("button", name="Ändra enligt beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("är ändrad genom beslut nr")

    fritid = page.locator("article.atgard", has_text="Kvällsöppen fritidsgård")
    fritid.get_by_text("Avbryt åtgärden (beslut)").click()
    cancel = fritid.locator('form[action$="/avbryt"]')
    cancel.get_by_label("beslut och skälen").fill("Styrgruppen avbryter: föreningarna tar över kvällarna.")
    cancel.get_by_role("button", name="Avbryt åtgärden enligt beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("är avbruten genom beslut nr")
    cancelled = page.locator('article.atgard[data-state="avbruten"]')
    expect(cancelled).to_contain_text("Kvällsöppen fritidsgård")
    expect(cancelled).to_contain_text("Avbruten åtgärd")
    expect(cancelled.get_by_text("Avbryt åtgärden (beslut)")).to_have_count(0)
    expect(page.locator("article.atgard", has_text="Ny belysning på torget")).to_contain_text("95000 kr")
    fits(page, 390)
    assert_accessible(page)
    shot(page, "orsak-07-avbruten-mobil")

    page.goto("/org/fagersta/atgarder")  # the status report page, on the phone
    expect(page.locator("td", has_text="avbruten")).to_have_count(1)
    fits(page, 390)
    assert_accessible(page)
    shot(page, "orsak-08-atgarder-status-mobil")
    for path in ("/org/fagersta/orsaksanalys", f"/org/fagersta/orsaksanalys/{problem}"):
        page.goto(path)
        fits(page, 390)
        assert_accessible(page)
    shot(page, "orsak-09-analys-mobil")
    polis.goto("/org/fagersta/atgardsplan")
    assert_accessible(polis)
    shot(polis, "orsak-10-atgardsplan-desktop")


def test_from_the_lagesbild_decision_to_an_atgard_entirely_in_the_browser(browser: Browser, site: Live) -> None:  # noqa: F811
    page = log_in(browser, site, SAMORDNARE, viewport=DESKTOP)
    page.set_default_timeout(10000)
    page.goto("/org/fagersta/lagesbild")
    page.locator("#title").fill("Inbrott i förråd på Brandbo")
    page.get_by_role("button", name="Lägg till problemet").click()
    expect(page.get_by_role("status")).to_contain_text("är tillagt")
    page.get_by_label("Beslut om Inbrott i förråd på Brandbo").select_option(label="Prioritet 1")
    page.get_by_role("button", name="Protokollför prioriteringen som beslut").click()
    expect(page.get_by_role("status")).to_be_visible()

    page.locator("nav.org").get_by_role("link", name="Orsaksanalys").click()
    row = page.locator("tr", has_text="Inbrott i förråd på Brandbo")
    expect(row).to_contain_text("ej påbörjad")
    row.get_by_role("link", name="Inbrott i förråd på Brandbo").click()
    add_cause(page, "Plats/objekt", "Förråden har enkla lås och ingen belysning", sources="Polisens anmälningar")
    page.get_by_role("link", name="Skapa en åtgärd från orsak 1").click()
    expect(page).to_have_url(re.compile(r".*/org/fagersta/atgardsplan#plan-orsak-\d+$"))
    new_measure(page, 1, "Lås och belysning i förrådsgångar", "samordnare", "Anmälda brott per 100 000 invånare")
    expect(page.locator("article.atgard", has_text="Lås och belysning")).to_contain_text("Anmälda brott per 100 000")
    shot(page, "orsak-11-fran-lagesbild-till-atgard")
