"""Login lock-out that an attacker cannot use to keep the owner out (services/accounts.py `check_rate`,
services/lockout.py), over real HTTP behind a trusted proxy (so clients differ by X-Forwarded-For) with the real
SMTP receiver: failures from one client lock only that client out of the account; failures from many clients
lock the account, and its owner gets a one-time link by e-mail that logs them in past every lock."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.models import Account, Person
from samverkan.services.accounts import MAX_FAILED_PER_ACCOUNT, MAX_FAILED_PER_EMAIL
from tests.drive import KOMMUNPOLIS, SAMORDNARE
from tests.live import PASSWORD, Live, csrf_of, fagersta_for_web, live_server
from tests.receivers import SmtpServer

OWNER_IP = "198.51.100.10"


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    monkeypatch.setenv("SAMVERKAN_TRUSTED_PROXIES", "127.0.0.1")  # the proxy in front says who the client is
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def attempt(client: httpx.Client, ip: str, email: str, password: str) -> httpx.Response:
    token = csrf_of(client.get("/logga-in", headers={"X-Forwarded-For": ip}).text)
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/logga-in", data=data, headers={"X-Forwarded-For": ip})


def mails(smtp: SmtpServer, address: str, count: int) -> list[EmailMessage]:
    """The messages to `address` once `count` have arrived (the app sends them off the request)."""
    deadline = time.monotonic() + 15
    while len(smtp.to(address)) < count:
        assert time.monotonic() < deadline, f"{len(smtp.to(address))} of {count} messages to {address} arrived"
        time.sleep(0.05)
    return smtp.to(address)


def link_of(message: EmailMessage) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+(/las-upp/[A-Za-z0-9_-]+)", SmtpServer.text(message))
    assert found, SmtpServer.text(message)
    return found.group(1)


def test_failures_from_one_client_lock_only_that_client_out(live: Live, smtp_settings: SmtpServer) -> None:
    attacker = live.client()
    for _ in range(MAX_FAILED_PER_EMAIL):
        assert attempt(attacker, "203.0.113.9", SAMORDNARE, "gissat-lösenord-1").status_code == 401
    refused = attempt(attacker, "203.0.113.9", SAMORDNARE, PASSWORD)
    assert refused.status_code == 429 and "För många misslyckade inloggningar härifrån" in refused.text
    assert attempt(live.client(), OWNER_IP, SAMORDNARE, PASSWORD).status_code == 303  # the owner elsewhere: in
    assert attempt(attacker, "203.0.113.9", KOMMUNPOLIS, PASSWORD).status_code == 303  # other accounts: in


def test_many_clients_lock_the_account_and_the_owners_emailed_link_always_works(
    live: Live, smtp_settings: SmtpServer
) -> None:
    attacker = live.client()
    for n in range(MAX_FAILED_PER_ACCOUNT):
        assert attempt(attacker, f"203.0.113.{n + 1}", SAMORDNARE, "gissat-lösenord-1").status_code == 401
    owner = live.client()
    locked = attempt(owner, OWNER_IP, SAMORDNARE, PASSWORD)
    assert locked.status_code == 429 and "Kontot är spärrat efter många misslyckade inloggningar" in locked.text
    assert "samverkan_session" not in locked.headers.get("set-cookie", "")
    (mail,) = mails(smtp_settings, "maria.exempelsson@fagersta.example", 1)
    assert str(mail["Subject"]) == "Ditt konto i Samverkan är spärrat – länk för att logga in"
    link = link_of(mail)
    attempt(attacker, "203.0.113.99", SAMORDNARE, "gissat-lösenord-2")  # the attack goes on; no second e-mail
    attempt(owner, OWNER_IP, SAMORDNARE, PASSWORD)
    time.sleep(0.5)
    assert len(smtp_settings.to(SAMORDNARE)) == 1

    form = owner.get(link)
    assert form.status_code == 200 and "Logga in och häv spärren" in form.text and SAMORDNARE in form.text
    wrong = owner.post(link, data={"csrf_token": csrf_of(form.text), "password": "fel-lösenord-här"})
    assert wrong.status_code == 401 and "Fel lösenord." in wrong.text
    right = owner.post(link, data={"csrf_token": csrf_of(form.text), "password": PASSWORD})
    assert right.status_code == 303 and right.headers["location"] == "/mitt-arbete"
    assert owner.get("/mitt-arbete").status_code == 200
    assert owner.get(link).status_code == 404  # once only
    with Session(live.engine) as session:
        maria = session.exec(select(Person).where(Person.email == SAMORDNARE)).one()
        assert session.exec(select(Account).where(Account.person_id == maria.id)).one().unlocked_at is not None
    assert attempt(live.client(), OWNER_IP, SAMORDNARE, PASSWORD).status_code == 303  # the lock is lifted

    for n in range(MAX_FAILED_PER_ACCOUNT):  # locked again: the used link is spent, so a new one goes out
        attempt(attacker, f"203.0.113.{n + 101}", SAMORDNARE, "gissat-lösenord-3")
    assert attempt(owner, OWNER_IP, SAMORDNARE, PASSWORD).status_code == 429
    second = mails(smtp_settings, SAMORDNARE, 2)[1]
    assert link_of(second) != link
    fresh = owner.get(link_of(second))
    done = owner.post(link_of(second), data={"csrf_token": csrf_of(fresh.text), "password": PASSWORD})
    assert done.status_code == 303


def test_asking_for_a_link_says_the_same_whatever_the_address(live: Live, smtp_settings: SmtpServer) -> None:
    client = live.client()
    token = csrf_of(client.get("/logga-in").text)
    answers = []
    for email in ("okand@fagersta.example", KOMMUNPOLIS):  # no account; an account that is not locked
        sent = client.post("/logga-in/las-upp", data={"email": email, "csrf_token": token})
        answers.append((sent.status_code, sent.headers["location"]))
    assert answers == [(303, "/logga-in"), (303, "/logga-in")]
    notice = client.get("/logga-in").text
    assert "Om adressen hör till ett konto som är spärrat har vi skickat en länk dit" in notice
    for _ in range(MAX_FAILED_PER_EMAIL):  # Johan's own mistakes lock his client out: he may ask for a link
        attempt(client, OWNER_IP, KOMMUNPOLIS, "fel-lösenord-igen")
    refused = attempt(client, OWNER_IP, KOMMUNPOLIS, PASSWORD)
    assert refused.status_code == 429 and 'action="/logga-in/las-upp"' in refused.text
    client.post("/logga-in/las-upp", data={"email": KOMMUNPOLIS, "csrf_token": csrf_of(refused.text)})
    (mail,) = mails(smtp_settings, KOMMUNPOLIS, 1)
    assert client.get(link_of(mail)).status_code == 200
    assert smtp_settings.to("okand@fagersta.example") == []
    assert client.get("/las-upp/påhittad-länk").status_code == 404
