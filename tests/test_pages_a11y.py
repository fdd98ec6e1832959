"""Every page, as every kind of user, on a desktop and on a phone, in real Chromium: axe-core finds nothing
(WCAG 2.1 A/AA incl. colour contrast, best practice), no page is wider than the screen, and a screenshot of each
is saved under test-output/skarmbilder/sidor/ to look at.

The pages are discovered, not listed: every same-site GET link followed from "Mitt arbete", the organisation's
navigation and the pages found inside the organisation, so pages other areas add are covered when they land."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local, utcnow
from samverkan.database import session_scope
from samverkan.services import est
from samverkan.services.actor import Actor
from samverkan.services.inputs import Observation
from samverkan.services.sweep import sweep
from tests.accessibility import violations
from tests.drive import KOMMUNPOLIS, SAMORDNARE
from tests.live import EST_SKOLA, KSO, Live, fagersta_for_web, live_server
from tests.test_browser import SHOTS, browser, db_url, log_in  # noqa: F401 (fixtures)

ROLES = {"samordnare": SAMORDNARE, "kommunpolis": KOMMUNPOLIS, "kso": KSO, "est": EST_SKOLA}
SCREENS = {"dator": {"width": 1366, "height": 768}, "mobil": {"width": 390, "height": 844}}
SKIP = ("/logga-ut", "/static/", "/kalender/", "/filer/", "/api/openapi.json", "/handlingar/")
PAGES = SHOTS / "sidor"
PER_SHAPE = 2  # pages of one shape (e.g. /org/x/punkt/{nr}) share a template: two of each are enough


def shape(path: str) -> str:
    """The page's template, as it were: its path with every number replaced."""
    return re.sub(r"/\d+(?=/|$|\?)", "/{nr}", path)


def discover(client: httpx.Client, start: str = "/mitt-arbete") -> list[str]:
    """Every same-site HTML page reachable from `start` (and the account page) by GET links, in visiting order;
    of pages that differ only by a number, the first `PER_SHAPE`."""
    seen: dict[str, bool] = {}
    shapes: dict[str, int] = {}
    todo = [start, "/konto"]
    while todo:
        path = todo.pop(0)
        if path in seen or path.startswith(SKIP) or shapes.get(shape(path), 0) >= PER_SHAPE:
            continue
        shapes[shape(path)] = shapes.get(shape(path), 0) + 1
        answer = client.get(path)
        is_page = answer.status_code == 200 and "text/html" in answer.headers.get("content-type", "")
        seen[path] = is_page
        if is_page:
            todo.extend(html.unescape(link) for link in re.findall(r'href="(/[^"#]*)', answer.text))
    return [path for path, is_page in seen.items() if is_page]


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "start"


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    today = today_local()
    with session_scope(engine) as session:  # reminders in the outbox, and an EST picture with a trend
        sweep(session, utcnow(), org_keys=["fagersta"])
        for days, category, count in ((3, "skadegörelse", 4), (40, "Skadegörelse", 2), (45, "klotter", 5)):
            given = Observation(
                observed_on=today - timedelta(days=days),
                category=category,
                area="centrum",
                source_function="skola",
                count=count,
            )
            est.report_observation(session, Actor("fagersta", EST_SKOLA, today), given)
    PAGES.mkdir(parents=True, exist_ok=True)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_is_accessible_for_every_role_on_desktop_and_phone(
    browser: Browser,  # noqa: F811
    site: Live,
    role: str,
) -> None:
    email = ROLES[role]
    paths = discover(site.login(email))
    assert "/org/fagersta/oversikt" in paths and "/mitt-arbete" in paths, paths
    found: dict[str, list[str]] = {}
    for screen, size in SCREENS.items():
        page = log_in(browser, site, email, viewport=size)
        for path in paths:
            page.goto(path)
            problems = violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > size["width"]:
                problems.append(f"sidan är {width} px bred på en skärm som är {size['width']} px")
            if problems:
                found[f"{screen} {path}"] = problems
            page.screenshot(path=str(PAGES / f"{role}-{screen}-{_slug(path)}.png"), full_page=True)
        page.context.close()
    assert found == {}, "\n".join(f"{where}: {p}" for where, problems in found.items() for p in problems)
