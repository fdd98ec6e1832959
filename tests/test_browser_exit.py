"""Exit criteria as facts in real Chromium: the item page says what must be true first, the prioritisation is a
numbered decision of the named body recorded on the decisions page, an omtag lists what it reopened, and the
follow-up page takes the reason an indicator has no value. axe-core on each page, desktop and phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local
from samverkan.models.enums import CausePerspective
from samverkan.services import cycle, orsaksanalys, substance
from tests.accessibility import assert_accessible
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver, decided, dialog, doc, indicator_id, prioritise_all
from tests.live import Live, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, db_url, log_in  # noqa: F401  (fixtures)
from tests.test_web import item_id

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"utgang-{name}.png"), full_page=True)


def checked(page: Page, name: str) -> None:
    """axe-core finds nothing, the page is Swedish and fits its width; then a screenshot."""
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is None or width <= viewport["width"], f"{page.url} är {width}px bred"
    shot(page, name)


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """Fagersta today, through Initiera samverkan and Lägesbild up to the prioritisation, with one problem."""
    fagersta_for_web(engine, with_deadlines=False)
    d = Driver(engine, "fagersta", today_local())
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))
    for key, who in (("kommunens-lagesbild", SAMORDNARE), ("polisens-lagesbild", KOMMUNPOLIS)):
        d(cycle.complete_item, who, key, doc(key))
    d(cycle.complete_item, SAMORDNARE, "gemensam-lagesbild", doc("Gemensam lägesbild"))
    d(cycle.complete_item, KOMMUNPOLIS, "medarbetardialoger", dialog("Dialog"))
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(d.decision("Tagit del")))
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        server.driver = d  # type: ignore[attr-defined]
        server.problem_id = problem.id  # type: ignore[attr-defined]
        yield server


def test_the_prioritisation_is_a_numbered_decision_of_the_styrgrupp(browser: Browser, site: Live) -> None:  # noqa: F811
    target = item_id(site.engine, "problem-prioriterade")
    page = log_in(browser, site, SAMORDNARE)
    page.goto(f"/org/fagersta/punkt/{target}")
    needs = page.get_by_role("status").filter(has_text="Det här måste vara sant först")
    expect(needs).to_contain_text("inget problem är prioriterat i den gemensamma lägesbilden")
    expect(page.get_by_label("Beslut (fattat av Styrgrupp för samverkan kommun–polis)")).to_be_visible()
    checked(page, "01-punkt-saknar-prioritering")

    page.goto("/org/fagersta/lagesbild")
    page.get_by_label("Beslut om Skadegörelse i centrum kvällstid").select_option("1")
    page.get_by_role("button", name="Protokollför prioriteringen som beslut").click()
    expect(page.get_by_role("status")).to_contain_text("Prioriteringen är protokollförd som beslut nr 4")
    page.goto("/org/fagersta/beslut")
    expect(page.locator("table")).to_contain_text("Beslut nr 4")
    checked(page, "02-beslut-nr")

    page.goto(f"/org/fagersta/punkt/{target}")
    expect(page.get_by_text("Det här måste vara sant först")).to_have_count(0)
    page.get_by_label("Vad visar att punkten är klar?").fill("Styrgruppens prioritering")
    page.get_by_label("Beslut (fattat av").select_option(value="4")
    page.get_by_role("button", name="Markera som klar").click()
    expect(page.get_by_role("status")).to_contain_text("Nu pågår: Orsaksanalys.")


def analysed(d: Driver, problem_id: int) -> int:
    cause = d(
        substance.add_cause, KOMMUNPOLIS, problem_id=problem_id, perspective=CausePerspective.PLACE, direct=True,
        description="Dålig belysning vid torget",
    )  # fmt: skip
    for other in (CausePerspective.VICTIM, CausePerspective.OFFENDER):
        d(orsaksanalys.mark_not_relevant, KOMMUNPOLIS, problem_id=problem_id, perspective=other, reason="platsen")
    d(substance.complete_analysis, KOMMUNPOLIS, problem_id=problem_id, summary="En trolig orsak")
    return int(cause.id)


def test_omtag_lists_what_it_reopened(browser: Browser, site: Live) -> None:  # noqa: F811
    d: Driver = site.driver  # type: ignore[attr-defined]
    problem_id: int = site.problem_id  # type: ignore[attr-defined]
    d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(prioritise_all(d, [problem_id])))
    analysed(d, problem_id)
    d(cycle.complete_item, KOMMUNPOLIS, "orsaksanalyser", doc("Orsaksanalys"))

    page = log_in(browser, site, SAMORDNARE)
    page.goto("/org/fagersta/cykel")
    page.get_by_label("Fas", exact=True).select_option(label="Lägesbild")
    page.get_by_label("Skäl").fill("Bilbränderna har ökat kraftigt sedan prioriteringen")
    page.get_by_role("button", name="Gör omtag").click()
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("Omtag till Lägesbild: 6 klara punkter i fasen öppnas igen med nya tidsfrister.")
    expect(notice).to_contain_text("'En orsaksanalys är klar för varje prioriterat problem' (Orsaksanalys)")
    history = page.locator("#fas-orsaksanalys").locator("xpath=..").locator("details")
    history.locator("summary").click()
    expect(history).to_contain_text("punkt öppnad igen vid omtag")
    expect(history).to_contain_text("den bygger på prioriteringen, som kan ändras genom omtaget till Lägesbild")
    checked(page, "03-omtag")


def test_the_follow_up_takes_a_reason_for_a_missing_value(browser: Browser, site: Live) -> None:  # noqa: F811
    d: Driver = site.driver  # type: ignore[attr-defined]
    problem_id: int = site.problem_id  # type: ignore[attr-defined]
    d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(prioritise_all(d, [problem_id])))
    d(
        substance.add_measure, SAMORDNARE, cause_id=analysed(d, problem_id), title="Ny belysning på torget",
        owner="samordnare", due_on=date(today_local().year + 1, 9, 30), follow_up="Anmälda skadegörelser per kvartal",
        indicator_ids=[indicator_id(site.engine, "anmalda-brott")],
    )  # fmt: skip
    for name, context in (("04-uppfoljning", {}), ("05-uppfoljning-mobil", PHONE)):
        page = log_in(browser, site, SAMORDNARE, **context)
        page.goto("/org/fagersta/uppfoljning")
        expect(page.locator("table")).to_contain_text("Anmälda brott per 100 000 invånare")
        expect(page.locator("table")).to_contain_text("inget skäl angivet")
        checked(page, name)
    page.get_by_label("Skäl").fill("Brås statistik för året publiceras i mars")
    page.get_by_role("button", name="Spara skälet").click()
    expect(page.get_by_role("status")).to_have_text(
        "Skälet till att Anmälda brott per 100 000 invånare saknar värde är sparat."
    )
    expect(page.locator("table")).to_contain_text("Brås statistik för året publiceras i mars")
    checked(page, "06-uppfoljning-skal")
