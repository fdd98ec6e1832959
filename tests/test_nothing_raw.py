"""Nothing raw in the web app: every page reachable by following links, as a samordnare, a kommunpolis, a
styrgrupp member (KSO) and an EST member, is scanned for internal keys and English words; unknown URLs and
wrong methods answer in Swedish (an HTML page, or JSON under /api); /api/dokumentation lists every operation."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from samverkan.core.labels import history_line
from samverkan.core.timeutil import utcnow
from samverkan.database import session_scope
from samverkan.services.sweep import sweep
from tests.drive import KOMMUNPOLIS, SAMORDNARE
from tests.live import EST_SKOLA, KSO, Live, fagersta_for_web, live_server
from tests.receivers import SmtpServer

# Internal keys and English that must never reach a reader (matched as whole words in the visible text).
DENY = (
    "status rod",
    "status gul",
    "status gron",
    "oppen",
    "vantar",
    "vantar_pa_underskrift",
    "ej_paborjad",
    "pagaende",
    "misslyckad_",
    "est-fritid",
    "est-skola",
    "teknisk-chef",
    "kultur-fritidschef",
    "lpo-chef",
    "paminnelse-",
    "at:",
    "action:",
    "by:",
    "+00:00",
    "Not Found",
    "Method Not Allowed",
    "Internal Server Error",
    "detail",
    "None",
    "null",
    "Unprocessable",
    "[beslut-om-samverkan]",
    "[roller-och-ansvar]",
    "[kommunikationsplan]",
)


def _whole(word: str) -> str:
    """A deny-list word, bounded only where it begins or ends with a letter (so '+00:00' matches after digits)."""
    before = r"(?<![\w-])" if word[0].isalnum() else ""
    after = r"(?![\w])" if word[-1].isalnum() or word[-1] == "_" else ""
    return before + re.escape(word) + after


PATTERN = re.compile("|".join(_whole(word) for word in DENY))
SKIP = ("/logga-ut", "/static/", "/kalender/", "/filer/", "/api/openapi.json")


def visible_text(page: str) -> str:
    """What a reader sees: no tags, attributes, styles or scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def raw_hits(text: str) -> list[str]:
    return sorted({m.group(0) for m in PATTERN.finditer(text)})


def crawl(client: httpx.Client, start: str = "/mitt-arbete") -> dict[str, str]:
    """Every same-site HTML page reachable from `start` by GET links: path → visible text."""
    seen: dict[str, str] = {}
    todo = [start, "/konto", "/api/dokumentation"]
    while todo:
        path = todo.pop()
        if path in seen or path.startswith(SKIP):
            continue
        answer = client.get(path)
        if "text/html" not in answer.headers.get("content-type", ""):
            seen[path] = ""
            continue
        seen[path] = visible_text(answer.text)
        for link in re.findall(r'href="(/[^"#]*)', answer.text):
            todo.append(html.unescape(link))
    return seen


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    fagersta_for_web(engine)
    with session_scope(engine) as session:  # reminders in the outbox, so the delivery log has statuses to show
        sweep(session, utcnow(), org_keys=["fagersta"])
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


@pytest.mark.parametrize("email", [SAMORDNARE, KOMMUNPOLIS, KSO, EST_SKOLA])
def test_no_page_shows_internal_keys_or_english(live: Live, email: str) -> None:
    pages = crawl(live.login(email))
    assert len(pages) >= 4, pages.keys()
    assert "/org/fagersta/cykel" in pages, pages.keys()
    assert "väntar på fasen" in pages["/org/fagersta/cykel"]  # an item of a phase not started is not "öppen"
    hits = {path: raw_hits(text) for path, text in pages.items() if raw_hits(text)}
    assert hits == {}


def test_the_deny_list_catches_what_issue_16_found() -> None:
    assert raw_hits("Åtgärd · status rod") == ["status rod"]
    assert raw_hits("at: 2026-11-26T05:15:36.332509+00:00 · action: öppnad") == ["+00:00", "action:", "at:"]
    assert raw_hits("Ansvar: teknisk-chef") == ["teknisk-chef"]
    assert raw_hits("beslut om samverkan [beslut-om-samverkan] – ansvarig") == ["[beslut-om-samverkan]"]
    assert raw_hits('{"detail":"Not Found"}') == ["Not Found", "detail"]
    assert raw_hits("status: öppen, väntar, klar") == []


def test_history_lines_are_swedish_in_stockholm_time() -> None:
    entry = {"at": "2026-11-26T05:15:36.332509+00:00", "action": "öppnad"}
    assert history_line(entry) == "2026-11-26 06:15 · öppnad"
    assert history_line({"at": "2026-07-01T10:00:00+00:00", "action": "klar", "by": "Maria"}) == (
        "2026-07-01 12:00 · klar · av Maria"
    )


def test_unknown_urls_and_wrong_methods_answer_in_swedish(live: Live) -> None:
    client = live.client()
    page = client.get("/finns-inte")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Sidan finns inte" in page.text and raw_hits(visible_text(page.text)) == []
    for method, path, status in (("GET", "/api/finns-inte", 404), ("DELETE", "/api/openapi.json", 405)):
        answer = client.request(method, path)
        assert answer.status_code == status
        assert set(answer.json()) == {"fel", "saknas"} and raw_hits(answer.text) == [], answer.text


def test_api_documentation_lists_every_operation_without_scripts(live: Live) -> None:
    client = live.client()
    spec = client.get("/api/openapi.json").json()
    page = client.get("/api/dokumentation")
    assert page.status_code == 200 and "<script" not in page.text
    text = visible_text(page.text)
    operations = [
        (m.upper(), p)
        for p, item in spec["paths"].items()
        for m in item
        if m in ("get", "post", "put", "patch", "delete")
    ]
    assert operations
    for method, path in operations:
        assert f"{method} {path}" in text, (method, path)
    assert "API-dokumentation" in text and raw_hits(text) == []
