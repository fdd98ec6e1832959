"""Issue 12's first "Done when", in real headless Chromium: the samordnare and the kommunpolis take Fagersta from an
empty lägesbild through the prioritisation, the orsaksanalys, a signed agreement with goals, signed
medborgarlöften and an adopted åtgärdsplan entirely in the browser (desktop; the åtgärd status report on a phone),
and the next phase, Genomförande, opens. The KSO and the LPO head sign for their parties after reading the text.

Nothing is set up behind the browser's back after the start: the organisation is loaded and cycle 1 started (as
`make run` does); every decision, item, problem, cause, åtgärd, goal, promise and signature is made through the
pages. Each page passes axe-core and is photographed into test-output/skarmbilder/ (walk-NN-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local
from samverkan.process.definition import load_definition
from tests.accessibility import assert_accessible
from tests.drive import KOMMUNPOLIS, LPO_CHEF, SAMORDNARE
from tests.live import KSO, Live, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, db_url, log_in  # noqa: F401  (the fixtures)

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TITLES = {item.key: item.title for phase in load_definition("samverkan").phases for item in phase.items}
STYRGRUPP = "Styrgrupp för samverkan kommun–polis"
PROBLEM = "Skadegörelse i centrum kvällstid"


class Walk:
    """The pages one person has open, and the shots taken of them (each checked with axe-core first)."""

    shots: ClassVar[list[str]] = []

    def __init__(self, page: Page) -> None:
        self.page = page
        page.set_default_timeout(15000)

    def look(self, name: str) -> None:
        """The page is Swedish, axe-clean and fits its width; then its screenshot."""
        page = self.page
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        assert page.locator("script").count() == 0, f"{page.url} needs JavaScript"
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.viewport_size
        assert viewport is None or width <= viewport["width"], f"{page.url} är {width}px bred"
        number = len(Walk.shots) + 1
        path = SHOTS / f"walk-{number:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        Walk.shots.append(path.name)

    def status(self) -> str:
        """The notice after an action (a refusal fails the walk with its text)."""
        alert = self.page.get_by_role("alert")
        assert alert.count() == 0, alert.first.inner_text()
        notice = self.page.locator("p.notice[role=status]")
        expect(notice).to_be_visible()
        return notice.inner_text()

    def nav(self, name: str) -> None:
        """Follow the organisation's menu (from Mitt arbete: first into the organisation, by its name)."""
        if self.page.locator("nav.org").count() == 0:
            self.page.get_by_role("link", name="Fagersta kommun", exact=True).first.click()
        self.page.locator("nav.org").get_by_role("link", name=name, exact=True).click()

    def decision(self, title: str, text: str, kind: str = "beslut") -> str:
        """Record a decision of the styrgrupp on the decisions page; its number as the page says it."""
        page = self.page
        self.nav("Beslut och underskrifter")
        page.get_by_label("Organ").select_option(label=STYRGRUPP)
        page.get_by_label("Typ av beslut").select_option(value=kind)
        page.get_by_label("Rubrik").fill(title)
        page.get_by_label("Beslutstext").fill(text)
        page.get_by_role("button", name="Protokollför", exact=True).click()
        found = re.search(r"Beslut nr (\d+) är protokollfört", self.status())
        assert found, self.status()
        return found.group(1)

    def complete(self, key: str, evidence: str, *, place: str | None = None, decision: str | None = None) -> str:
        """Open the item from the cycle page, give its evidence and mark it done; the notice."""
        page = self.page
        self.nav("Cykeln")
        page.get_by_role("link", name=TITLES[key], exact=True).click()
        expect(page.get_by_role("heading", name="Markera som klar")).to_be_visible()
        page.get_by_label("Vad visar att punkten är klar?").fill(evidence)
        if decision is not None:
            page.locator("#decision_id").select_option(value=decision)
        if place is not None:
            page.locator("#uri").fill(place)
        page.get_by_role("button", name="Markera som klar").click()
        return self.status()


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """Fagersta loaded and its first cycle started today, as after `make run`; nothing else."""
    fagersta_for_web(engine, with_deadlines=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    Walk.shots = []
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def initiera(maria: Walk, johan: Walk) -> None:
    number = maria.decision("Beslut om samverkan 2027–2030", "Kommunen och polisen samverkar enligt Brå:s modell.")
    maria.complete("beslut-om-samverkan", "Styrgruppens beslut om samverkan", decision=number)
    johan.complete("roller-och-ansvar", "Roller och mandat", place="diarium:KS 2026/12")
    number = maria.decision("Samverkansorganisation", "Styrgrupp, Lokala BRÅ och EST-grupp enligt bilaga.")
    maria.complete("organisation-utsedd", "Organisationsbeslutet", decision=number)
    assert "Nu pågår: Lägesbild." in maria.complete(
        "kommunikationsplan", "Kommunikationsplan", place="diarium:KS 2026/19"
    )
    maria.nav("Cykeln")
    maria.look("cykeln-lagesbild")


def lagesbild(maria: Walk, johan: Walk) -> None:
    page = maria.page
    maria.nav("Lägesbild")
    expect(page.get_by_role("heading", name="Lägesbild", exact=True)).to_be_visible()
    maria.look("lagesbild-tom")
    for title, area, category in ((PROBLEM, "Centrum", "skadegörelse"), ("Cykelstölder", "Hela kommunen", "stöld")):
        page.locator("#title").fill(title)
        page.get_by_label("Beskrivning").fill("Kvällar och helger, främst vid torget.")
        page.get_by_label("Område").fill(area)
        page.get_by_label("Kategori").fill(category)
        page.get_by_role("button", name="Lägg till problemet").click()
        expect(page.get_by_role("status")).to_contain_text("är tillagt")
    page.get_by_label(f"Beslut om {PROBLEM}").select_option("1")
    page.get_by_label("Beslut om Cykelstölder").select_option(label="Bortprioriterat")
    page.get_by_label("Motivering för Cykelstölder").fill("Polisen driver det i egen regi")
    page.get_by_role("button", name="Protokollför prioriteringen som beslut").click()
    found = re.search(r"beslut nr (\d+)", maria.status())
    assert found, maria.status()
    maria.look("lagesbild-prioriterad")

    maria.complete("kommunens-lagesbild", "Kommunens lägesbild", place="diarium:KS 2026/40")
    johan.complete("polisens-lagesbild", "Polisens lägesbild", place="diarium:LPO 2026/7")
    johan.complete("medarbetardialoger", "Medarbetardialog i yttre tjänst")
    number = maria.decision("Ledningarna har tagit del", "Kommunledningen och polisledningen har tagit del.")
    maria.complete("ledningen-har-tagit-del", "Ledningarnas beslut", decision=number)
    maria.complete("gemensam-lagesbild", "Gemensam lägesbild", place="diarium:KS 2026/41")
    assert "Nu pågår: Orsaksanalys." in maria.complete(
        "problem-prioriterade", "Styrgruppens prioritering", decision=found.group(1)
    )


def orsaksanalys(maria: Walk, johan: Walk) -> None:
    page = johan.page
    johan.nav("Orsaksanalys")
    page.get_by_role("link", name=PROBLEM).first.click()
    for perspective, text in (("Plats/objekt", "Mörkt torg med skymda siktlinjer"),
                              ("Gärningsperson", "Få fritidsaktiviteter för unga kvällstid")):  # fmt: skip
        form = page.locator('form[action$="/orsak"]')
        form.get_by_label("Perspektiv").select_option(label=perspective)
        form.get_by_label("Orsak (inga personuppgifter)").fill(text)
        form.get_by_role("button", name="Lägg till orsaken").click()
        expect(page.get_by_role("status")).to_contain_text("är tillagd")
    form = page.locator('form[action$="/inte-relevant"]')
    form.get_by_label("Perspektiv").select_option(label="Brottsutsatt")
    form.get_by_label("Inte relevant, eftersom …").fill("skadegörelsen drabbar kommunens egendom, inte personer")
    form.get_by_role("button", name="Spara skälet").click()
    page.get_by_label("Sammanfattning").fill("Platsen och bristen på fritid för unga förklarar skadegörelsen")
    page.get_by_role("button", name="Markera analysen som klar").click()
    expect(page.get_by_role("status")).to_contain_text("Orsaksanalysen är klar.")
    johan.look("orsaksanalys")
    johan.complete("orsaksanalyser", "Orsaksanalys skadegörelse", place="diarium:KS 2026/55")
    assert "Nu pågår: Överenskommelse." in maria.complete("medborgardialog", "Trygghetsvandring i centrum")


def overenskommelse(maria: Walk, karin: Walk, per: Walk) -> None:
    page = maria.page
    maria.complete("mal-formulerade", "Mål enligt SMART", place="diarium:KS 2026/60")
    maria.nav("Överenskommelsen")
    page.get_by_label("Revideras senast").fill(f"{today_local().year + 2}-12-31")
    page.get_by_label("Så dokumenteras arbetet").fill("Styrgruppens protokoll och åtgärdsplanerna i Samverkan.")
    page.get_by_label("Så följs arbetet upp").fill("Kvartalsvis i styrgruppen; årligen i kommunfullmäktige.")
    page.get_by_role("button", name="Spara", exact=True).click()
    page.get_by_role("button", name=f"Ta med {PROBLEM}").click()
    page.get_by_label("Nytt mål").fill("Anmäld skadegörelse i centrum minskar med 20 %.")
    page.get_by_label("Indikator som visar målet").select_option(
        label="Anmälda brott per 100 000 invånare (Fagersta kommun)"
    )
    page.get_by_label("Problem målet gäller").select_option(label=PROBLEM)
    page.get_by_label("Målvärde (tomt: indikatorns)").fill("9400")
    page.get_by_label("Målår").fill(str(today_local().year + 3))
    page.get_by_role("button", name="Lägg till mål").click()
    expect(page.get_by_role("status")).to_contain_text("Mål 1 är tillagt")
    maria.look("overenskommelse-innehall")
    for signer, party in ((karin, "Fagersta kommun"), (per, "Lokalpolisområde Norra Västmanland")):
        sign_after_reading(signer, "Överenskommelsen", party)
    per.look("overenskommelse-undertecknad")
    maria.complete("overenskommelse-undertecknad", "Undertecknad överenskommelse", place="diarium:KS 2026/61")


def sign_after_reading(signer: Walk, nav: str, party: str) -> None:
    page = signer.page
    signer.nav(nav)
    expect(page.locator("pre.signed-text").first).to_be_visible()
    page.get_by_label(f"och skriver under den för {party}").check()
    page.get_by_role("button", name=f"Skriv under för {party}").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("skrivit under|undertecknad av alla parter"))


def atgardsplan(maria: Walk) -> None:
    page = maria.page
    maria.nav("Åtgärdsplan")
    page.get_by_text("Ny åtgärd för orsak 1").click()
    form = page.locator('details:has(summary:text-is("Ny åtgärd för orsak 1")) form')
    form.get_by_label("Åtgärd", exact=True).fill("Ny belysning på torget")
    form.get_by_label("Mål (SMART)").fill("Anmäld skadegörelse vid torget minskar med 20 % på två år")
    form.get_by_label("Anmälda brott per 100 000 invånare").check()
    form.get_by_label("Ansvarig roll").select_option(value="samordnare")
    form.get_by_label("Klart senast").fill(f"{today_local().year + 1}-09-30")
    form.get_by_label("Hur åtgärden följs upp").fill("Anmälningar per kvartal; trygghetsvandring i höst")
    form.get_by_role("button", name="Lägg till åtgärden").click()
    expect(page.get_by_role("status")).to_contain_text("är tillagd")
    maria.look("atgardsplan")
    number = maria.decision("Åtgärdsplanen antas", "Styrgruppen antar åtgärdsplanen för centrum.", kind="antagande")
    maria.complete("atgardsplaner-antagna", "Styrgruppens beslut om åtgärdsplanen", decision=number)


def medborgarloften(maria: Walk, johan: Walk, karin: Walk, per: Walk) -> None:
    page = maria.page
    maria.nav("Medborgarlöften")
    page.get_by_label("Löftet").fill("Vi lovar tryggare kvällar i centrum: mer ljus och fler vuxna på plats.")
    page.get_by_role("button", name="Spara texten").click()
    for activity, party in (("Ny belysning på torget", "Fagersta kommun"),
                            ("Fler kvällspass i centrum", "Lokalpolisområde Norra Västmanland")):  # fmt: skip
        page.get_by_label("Ny aktivitet").fill(activity)
        page.get_by_label("Ansvarig part").select_option(label=party)
        page.get_by_label("Klart senast").fill(f"{today_local().year + 1}-03-31")
        page.get_by_role("button", name="Lägg till aktivitet").click()
    for signer, party in ((karin, "Fagersta kommun"), (per, "Lokalpolisområde Norra Västmanland")):
        sign_after_reading(signer, "Medborgarlöften", party)
    maria.nav("Medborgarlöften")
    page.get_by_label("Hur löftet kommunicerades").fill("Lokaltidningen, kommunens webb och en trygghetsvandring.")
    page.get_by_role("button", name="Spara kommunikationen").click()
    expect(page.get_by_role("status")).to_contain_text("kommunicerades")
    maria.look("medborgarlofte")
    johan.complete("medborgarloften", "Medborgarlöftet på webben", place="https://www.fagersta.example/lofte")


def status_on_a_phone(site: Live, browser: Browser) -> None:  # noqa: F811
    phone = Walk(log_in(browser, site, SAMORDNARE, **PHONE))
    phone.page.goto("/org/fagersta/atgarder")
    phone.page.get_by_label("Ny status").first.select_option(label="gul")
    phone.page.get_by_label("Genomfört (%)").first.fill("20")
    phone.page.get_by_role("button", name="Spara").first.click()
    expect(phone.page.get_by_role("status")).to_contain_text("är uppdaterad")
    phone.look("atgarder-status-mobil")


def test_a_coordinator_and_a_kommunpolis_take_fagersta_through_the_cycle_in_the_browser(
    browser: Browser,  # noqa: F811
    site: Live,
) -> None:
    maria = Walk(log_in(browser, site, SAMORDNARE, **DESKTOP))
    johan = Walk(log_in(browser, site, KOMMUNPOLIS, **DESKTOP))
    karin = Walk(log_in(browser, site, KSO, **DESKTOP))
    per = Walk(log_in(browser, site, LPO_CHEF, **DESKTOP))
    maria.nav("Cykeln")
    maria.look("cykeln-start")
    initiera(maria, johan)
    lagesbild(maria, johan)
    orsaksanalys(maria, johan)
    overenskommelse(maria, karin, per)
    atgardsplan(maria)
    medborgarloften(maria, johan, karin, per)
    done = maria.complete("uppfoljning-planerad", "Uppföljningsplan", place="diarium:KS 2026/70")
    maria.nav("Cykeln")
    assert "Nu pågår: Genomförande." in done, maria.page.locator("main").inner_text()[:3000]
    maria.nav("Cykeln")
    expect(maria.page.locator("#fas-genomforande")).to_contain_text("pågående")
    maria.look("cykeln-genomforande")
    status_on_a_phone(site, browser)
    assert len(Walk.shots) >= 10
