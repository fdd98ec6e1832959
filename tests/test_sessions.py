"""Sessions, login and request hardening over real HTTP (uvicorn on loopback): a new password ends every
session, X-Forwarded-For is not believed from an unconfigured proxy, nothing with secrets is cached, bodies
are bounded before they are read, and login attempts do not outlive their window."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import utcnow
from samverkan.database import session_scope
from samverkan.models import ChecklistItem, LoginAttempt, Person, Upload
from samverkan.services import accounts
from samverkan.services.accounts import LOGIN_WINDOW, MAX_FAILED_PER_CLIENT
from samverkan.web.proxies import uvicorn_proxy_options
from tests.drive import SAMORDNARE
from tests.live import EST_SKOLA, Live, csrf_of, fagersta_for_web, live_server
from tests.receivers import SmtpServer


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    monkeypatch.delenv("SAMVERKAN_TRUSTED_PROXIES", raising=False)
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def test_a_new_password_ends_every_session(live: Live) -> None:
    first, second = live.login(SAMORDNARE), live.login(SAMORDNARE)
    assert first.get("/mitt-arbete").status_code == 200
    with session_scope(live.engine) as session:
        person = session.exec(select(Person).where(Person.email == SAMORDNARE)).one()
        accounts.set_password(session, person, "Ett-helt-nytt-lösenord-2026")
    for client in (first, second):
        answer = client.get("/mitt-arbete")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/logga-in")
    assert live.login(SAMORDNARE, "Ett-helt-nytt-lösenord-2026").get("/mitt-arbete").status_code == 200


def test_proxies_are_trusted_only_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMVERKAN_TRUSTED_PROXIES", raising=False)
    assert uvicorn_proxy_options() == {"proxy_headers": False, "forwarded_allow_ips": ""}
    monkeypatch.setenv("SAMVERKAN_TRUSTED_PROXIES", "10.0.0.5")
    assert uvicorn_proxy_options() == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}


def test_rotating_x_forwarded_for_does_not_escape_the_client_limit(live: Live) -> None:
    client = live.client()
    token = csrf_of(client.get("/logga-in").text)
    for n in range(MAX_FAILED_PER_CLIENT):
        wrong = client.post(
            "/logga-in",
            data={"email": f"okand{n}@example.se", "password": "fel-lösenord-x", "csrf_token": token},
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
        )
        assert wrong.status_code == 401
    refused = client.post(
        "/logga-in",
        data={"email": "ny@example.se", "password": "fel-lösenord-x", "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.77"},
    )
    assert refused.status_code == 429 and "För många misslyckade inloggningar" in refused.text
    with Session(live.engine) as session:
        clients = set(session.exec(select(LoginAttempt.client)).all())
    assert clients == {"127.0.0.1"}


def test_pages_and_api_answers_are_never_cached(live: Live) -> None:
    client = live.login(SAMORDNARE)
    for path in ("/logga-in", "/konto", "/mitt-arbete", "/api/mitt-arbete", "/inbjudan/okand-lank"):
        assert client.get(path).headers.get("cache-control") == "no-store", path
    assert "no-store" not in live.client().get("/static/style.css").headers.get("cache-control", "")


def _raw_post(live: Live, head: str, body: bytes) -> bytes:
    """Send a request's head and the start of its body, then read what the server answers (it must answer
    without waiting for the rest)."""
    address = urlsplit(live.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        conn.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer


def test_an_anonymous_200_mb_post_is_refused_before_it_is_read(live: Live) -> None:
    head = (
        "POST /logga-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {200 * 1024 * 1024}\r\n\r\n"
    )
    answer = _raw_post(live, head, b"email=a" * 100)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_streamed_body_is_cut_at_the_limit(live: Live) -> None:
    head = "POST /logga-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"a" * 16384
    body = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") * 8  # 128 KiB, no final chunk: the server stops first
    answer = _raw_post(live, head, body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_the_413_is_a_swedish_page_for_browsers_and_swedish_json_for_the_api(live: Live) -> None:
    body = b"a" * (100 * 1024)  # over the anonymous limit
    browser = live.client().post("/logga-in", content=body, headers={"Content-Type": "text/plain"})
    assert browser.status_code == 413
    assert browser.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in browser.text and "Det som skickades är för stort (högst 64 KiB)" in browser.text
    assert browser.headers["content-security-policy"].startswith("default-src 'self'")
    assert browser.headers["cache-control"] == "no-store"
    api = live.client().post("/api/organisationer/fagersta/cykel", content=body)
    assert api.status_code == 413
    assert api.json() == {
        "fel": "Det som skickades är för stort (högst 64 KiB). Logga in först om du ska skicka en fil.",
        "saknas": [],
    }


def test_login_attempts_are_pruned_after_their_window(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        accounts.record_attempt(session, "gammal@example.se", "192.0.2.1", False, now - LOGIN_WINDOW - timedelta(1))
        accounts.record_attempt(session, "nyss@example.se", "192.0.2.2", False, now - timedelta(minutes=1))
    with session_scope(engine) as session:
        accounts.record_attempt(session, "nu@example.se", "192.0.2.3", False, now)
    with Session(engine) as session:
        kept = sorted(session.exec(select(LoginAttempt.email)).all())
    assert kept == ["nu@example.se", "nyss@example.se"]


def test_a_refused_completion_writes_no_upload(live: Live) -> None:
    erik = live.login(EST_SKOLA)  # a member without the item's role
    with Session(live.engine) as session:
        target = session.exec(select(ChecklistItem.id).where(ChecklistItem.key == "roller-och-ansvar")).one()
    refused = erik.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": erik.csrf, "title": "Roller"},  # type: ignore[attr-defined]
        files={"file": ("roller.pdf", b"%PDF-1.4\n% inte min punkt\n", "application/pdf")},
    )
    assert refused.status_code == 403
    uploads = live.data_dir / "uppladdat"
    assert not uploads.exists() or not any(uploads.iterdir())
    with Session(live.engine) as session:
        assert session.exec(select(Upload)).first() is None
