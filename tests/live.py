"""A real web server for tests: uvicorn on a loopback port in a thread, on the test's database, with Fagersta
loaded, every person given a password, and cycle 1 started today."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import today_local
from samverkan.database import session_scope
from samverkan.models import Person
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.services import accounts, cycle
from samverkan.services.actor import Actor
from samverkan.services.inputs import SetDeadline
from samverkan.web.app import create_app
from samverkan.web.proxies import uvicorn_proxy_options
from tests.drive import KOMMUNDIREKTOR, SAMORDNARE
from tests.receivers import free_port

PASSWORD = "Lösen-för-provning-2026"
KSO = "karin.teststrom@fagersta.example"
EST_SKOLA = "erik.larare@fagersta.example"
KOMMUNIKATOR = "lena.kommunikator@fagersta.example"


@dataclass
class Live:
    url: str
    engine: Engine
    data_dir: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Client:
        """A client with a session, and its CSRF token at hand as client.csrf."""
        client = self.client()
        page = client.get("/logga-in")
        token = csrf_of(page.text)
        answer = client.post("/logga-in", data={"email": email, "password": password, "csrf_token": token})
        assert answer.status_code == 303, answer.text
        client.csrf = csrf_of(client.get("/mitt-arbete").text)  # type: ignore[attr-defined]
        return client


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def fagersta_for_web(engine: Engine, with_deadlines: bool = True) -> None:
    from tests.test_delivery import fagersta_text

    result = validate_text(fagersta_text(), "fagersta.yaml")
    assert result.ok
    today = today_local()
    with session_scope(engine) as session:
        load_config(session, result)
        hashed = _hashed()
        for person in session.exec(select(Person)).all():
            session.add(accounts.Account(person_id=person.id, password_hash=hashed))
    with session_scope(engine) as session:
        cycle.start_cycle(session, Actor("fagersta", SAMORDNARE, today))
    if with_deadlines:
        with session_scope(engine) as session:  # one item due in three days, one overdue
            direktor = Actor("fagersta", KOMMUNDIREKTOR, today)
            cycle.set_deadline(session, direktor, SetDeadline(item="roller-och-ansvar", due_on=today + timedelta(3)))
            cycle.set_deadline(session, direktor, SetDeadline(item="kommunikationsplan", due_on=today + timedelta(3)))


@lru_cache
def _hashed() -> str:
    return accounts.hash_password(PASSWORD)  # Argon2id takes ~50 ms: once per test run, not once per person


@contextmanager
def live_server(engine: Engine, data_dir: Path, monkeypatch: object) -> Iterator[Live]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SAMVERKAN_BASE_URL", url)  # type: ignore[attr-defined]
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(data_dir))  # type: ignore[attr-defined]
    get_settings.cache_clear()
    app = create_app(get_settings(), engine)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **uvicorn_proxy_options()
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.02)
    try:
        yield Live(url, engine, data_dir)
    finally:
        server.should_exit = True
        thread.join(10)
        get_settings.cache_clear()
