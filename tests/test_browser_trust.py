"""The trust pages in real headless Chromium: a locked-out login asks for the e-mailed link, the link's page logs
the owner in past the lock, and an oversized form gets the Swedish 413 page; each passes axe-core (WCAG 2.1 AA)
at desktop and phone width, with screenshots in test-output/skarmbilder/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from samverkan.services.accounts import MAX_FAILED_PER_EMAIL
from tests.accessibility import assert_accessible
from tests.drive import SAMORDNARE
from tests.live import PASSWORD, Live, fagersta_for_web, live_server
from tests.receivers import SmtpServer
from tests.test_browser import SHOTS, browser  # noqa: F401  (the Chromium fixture)
from tests.test_lockout import link_of

SIZES = {"dator": {"width": 1280, "height": 900}, "mobil": {"width": 390, "height": 844}}


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'samverkan.db'}"


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    fagersta_for_web(engine)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def look(page: Page, name: str, size: str) -> None:
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)


def fail_login(page: Page, password: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress", exact=True).first.fill(SAMORDNARE)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_locked_out_owner_asks_for_the_link_and_logs_in_with_it(
    browser: Browser,  # noqa: F811
    site: Live,
    smtp_settings: SmtpServer,
    size: str,
) -> None:
    page = browser.new_context(base_url=site.url, locale="sv-SE", viewport=SIZES[size]).new_page()  # type: ignore[arg-type]
    for _ in range(MAX_FAILED_PER_EMAIL + 1):
        fail_login(page, "fel-lösenord-igen")
    expect(page.get_by_role("alert")).to_contain_text("För många misslyckade inloggningar härifrån")
    expect(page.get_by_role("heading", name="Spärrad inloggning")).to_be_visible()
    look(page, "inloggning-sparrad", size)
    page.get_by_role("button", name="Skicka länken").click()
    expect(page.get_by_role("status")).to_contain_text("har vi skickat en länk dit")
    deadline = time.monotonic() + 15
    while not smtp_settings.to(SAMORDNARE):
        assert time.monotonic() < deadline, "no e-mail with the link arrived"
        time.sleep(0.05)
    page.goto(link_of(smtp_settings.to(SAMORDNARE)[0]))
    expect(page.get_by_role("heading", name="Logga in och häv spärren")).to_be_visible()
    look(page, "las-upp", size)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Mitt arbete")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Spärren är hävd")


@pytest.mark.parametrize("size", list(SIZES))
def test_an_oversized_form_gets_the_swedish_413_page(browser: Browser, site: Live, size: str) -> None:  # noqa: F811
    page = browser.new_context(base_url=site.url, locale="sv-SE", viewport=SIZES[size]).new_page()  # type: ignore[arg-type]
    page.goto("/logga-in")
    page.evaluate(  # a form as a browser would send it, 100 KiB, before logging in
        """() => { const form = document.querySelector('form[action="/logga-in"]');
        const big = document.createElement('input'); big.type = 'hidden'; big.name = 'extra';
        big.value = 'a'.repeat(100 * 1024); form.appendChild(big); form.submit(); }"""
    )
    expect(page.get_by_role("alert")).to_contain_text("Det som skickades är för stort (högst 64 KiB)")
    expect(page.get_by_role("heading", name="Det gick inte")).to_be_visible()
    look(page, "for-stort-413", size)
