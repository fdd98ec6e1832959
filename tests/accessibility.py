"""axe-core (the copy bundled with axe-playwright-python) run on a page open in the real Chromium: every rule of
WCAG 2.1 A and AA, colour contrast included. `assert_accessible(page)` fails the test with each violation named."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE = Axe()
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def violations(page: Page) -> list[str]:
    """Each violation as 'rule: what is wrong (selectors of the first nodes)'."""
    result = AXE.run(page, options=OPTIONS).response
    found = []
    for violation in result["violations"]:
        nodes = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        found.append(f"{violation['id']}: {violation['help']} ({nodes})")
    return found


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert not found, f"axe-core på {page.url}:\n" + "\n".join(found)
