"""In headless Chromium: the decision form keeps what was typed after a refusal, and a form posted after the
session ended says so, shows the text to copy, and its "Logga in igen" link returns to the form's page."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.accessibility import assert_accessible
from tests.drive import SAMORDNARE
from tests.live import PASSWORD, Live
from tests.test_browser import browser, db_url, log_in, shot, site  # noqa: F401  (the fixtures)

TEXT = "Lokala BRÅ fastställer inriktningen för våren:\ntrygghet vid resecentrum först."


def test_a_refused_decision_keeps_its_text_and_an_ended_session_lets_it_be_copied(
    browser: Browser,  # noqa: F811
    site: Live,  # noqa: F811
) -> None:
    page = log_in(browser, site, SAMORDNARE)
    page.goto("/org/fagersta/beslut")
    page.get_by_label("Organ").select_option(label="EST-gruppen Fagersta")
    page.get_by_label("Typ av beslut").select_option("inriktningsbeslut")
    page.get_by_label("Rubrik").fill("Inriktning våren 2027")
    page.get_by_label("Beslutstext").fill(TEXT)
    page.get_by_role("button", name="Protokollför").click()
    expect(page.get_by_role("alert")).to_contain_text("är en operativ arbetsgrupp (EST-grupp) och fattar inte")
    expect(page.get_by_label("Rubrik")).to_have_value("Inriktning våren 2027")  # kept, to correct
    expect(page.get_by_label("Beslutstext")).to_have_value(TEXT)
    expect(page.get_by_label("Organ")).to_have_value("est")
    expect(page.get_by_label("Typ av beslut")).to_have_value("inriktningsbeslut")
    shot(page, "beslut-nekat-behaller-texten")

    page.get_by_label("Organ").select_option(label="Lokala BRÅ Fagersta")
    page.context.clear_cookies()  # the session ends while the form is open (expired, or logged out elsewhere)
    page.get_by_role("button", name="Protokollför").click()
    expect(page.get_by_role("heading", name="Du har loggats ut")).to_be_visible()
    expect(page.get_by_text("Det du skrev har inte sparats.")).to_be_visible()
    expect(page.get_by_label("Beslutstext")).to_have_value(TEXT)  # to copy before logging in
    expect(page.get_by_label("Rubrik")).to_have_value("Inriktning våren 2027")
    assert_accessible(page)
    shot(page, "utloggad-formular")

    page.get_by_role("link", name="Logga in igen").click()
    page.get_by_label("E-postadress").fill(SAMORDNARE)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Beslut och underskrifter")).to_be_visible()
    assert page.url.endswith("/org/fagersta/beslut")
    expect(page.get_by_text("Inga beslut är protokollförda.")).to_be_visible()  # nothing was half-recorded
