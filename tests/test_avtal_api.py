"""The HTTP API for the agreement's and the medborgarlöftenas content: the same input models and rules as the
pages, against the real server, with personal API keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import today_local
from samverkan.models import Indicator, Problem
from tests.drive import LPO_CHEF, SAMORDNARE
from tests.live import KSO, Live, fagersta_for_web, live_server
from tests.test_browser_avtal import prioritised_problem_with_a_cause

BASE = "/api/v1/organisationer/fagersta"


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine, with_deadlines=False)
    prioritised_problem_with_a_cause(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def api_as(site: Live, email: str) -> httpx.Client:
    person = site.login(email)
    page = person.post("/konto/api-nyckel", data={"csrf_token": person.csrf, "label_text": "api"})  # type: ignore[attr-defined]
    key = re.search(r'id="apinyckel">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    client = site.client()
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def test_content_signing_and_promises_through_the_api(site: Live) -> None:
    maria, karin, per = api_as(site, SAMORDNARE), api_as(site, KSO), api_as(site, LPO_CHEF)
    start = maria.get(f"{BASE}/overenskommelse").json()
    assert start["version"] == 1 and "minst ett prioriterat problem" in start["signing"]["missing"]
    early = karin.get(f"{BASE}/overenskommelse").json()["signing"]
    assert early["mine"] == [] and early["missing_before_signing"] == early["missing"]  # nothing to sign yet
    too_early = karin.post(
        f"{BASE}/overenskommelse/underskrift", json={"content_hash": early["hash"], "confirmed": True}
    )
    assert too_early.status_code == 422 and too_early.json() == {
        "fel": "Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten (version 1) kan inte skrivas "
        "under förrän innehållet är komplett. Det saknas:",
        "saknas": early["missing"],
    }
    (promise_early,) = karin.get(f"{BASE}/medborgarloften").json()
    too_early = karin.post(
        f"{BASE}/medborgarloften/underskrift",
        json={"content_hash": promise_early["signing"]["hash"], "confirmed": True},
    )
    assert too_early.status_code == 422 and too_early.json()["saknas"] == ["löftets text", "minst en aktivitet"]
    with Session(site.engine) as session:
        problem = session.exec(select(Problem.id)).one()
        indicator = session.exec(select(Indicator.id).where(Indicator.key == "anmalda-brott")).one()
    covered = maria.post(f"{BASE}/overenskommelse/problem", json={"problem_id": problem})
    assert covered.status_code == 200, covered.text
    assert covered.json()["problems"] == ["Skadegörelse i centrum kvällstid"]
    goal = maria.post(
        f"{BASE}/overenskommelse/mal",
        json={"indicator_id": indicator, "description": "Färre brott.", "target_value": 9000},
    )
    assert goal.status_code == 201 and goal.json()["goals"][0]["baseline_value"] == 11777
    terms = {"period_start": "2027-01-01", "period_end": "2030-12-31", "review_on": "2028-12-31",
             "documentation": "Protokoll", "follow_up": "Kvartalsvis"}  # fmt: skip
    assert maria.put(f"{BASE}/overenskommelse/villkor", json=terms).json()["signing"]["missing"] == []
    bad = maria.put(f"{BASE}/overenskommelse/villkor", json={**terms, "review_on": "2035-01-01"})
    assert bad.status_code == 422 and "revisionsdatumet 2035-01-01 ligger utanför perioden" in bad.json()["fel"]
    assert (
        maria.post(
            f"{BASE}/overenskommelse/underskrift", json={"content_hash": "0" * 64, "confirmed": True}
        ).status_code
        == 403
    )

    read = karin.get(f"{BASE}/overenskommelse").json()["signing"]
    assert read["mine"] == ["Fagersta kommun"]
    unconfirmed = karin.post(f"{BASE}/overenskommelse/underskrift", json={"content_hash": read["hash"]})
    assert unconfirmed.status_code == 422 and "bekräfta" in " ".join(unconfirmed.json()["saknas"])
    signed = karin.post(f"{BASE}/overenskommelse/underskrift", json={"content_hash": read["hash"], "confirmed": True})
    assert signed.status_code == 200 and signed.json()["missing"] == ["Lokalpolisområde Norra Västmanland"]
    per.post(f"{BASE}/overenskommelse/underskrift", json={"content_hash": read["hash"], "confirmed": True})
    assert maria.get(f"{BASE}/overenskommelse").json()["signing"]["complete"] is True

    maria.put(f"{BASE}/medborgarloften/text", json={"text": "Tryggare kvällar."})
    made = maria.post(f"{BASE}/medborgarloften/aktiviteter", json={"title": "Kvällspass"})
    assert made.status_code == 201
    (promise,) = made.json()
    assert "Aktivitet 1 (Kvällspass): ingen ansvarig part" in promise["risks"]
    text_hash = promise["signing"]["hash"]
    for client in (karin, per):
        done = client.post(f"{BASE}/medborgarloften/underskrift", json={"content_hash": text_hash, "confirmed": True})
        assert done.status_code == 200, done.text
    told = maria.post(
        f"{BASE}/medborgarloften/kommunicerat", json={"communicated_on": "2000-01-01", "communicated_how": "Webb"}
    )
    assert told.status_code == 422 and "sista underskriften" in told.json()["fel"]
    followed = maria.post(
        f"{BASE}/medborgarloften/uppfoljning", json={"activity_number": 1, "status": "genomford", "follow_up": "Klart"}
    )
    assert followed.json()[0]["activities"][0]["status"] == "genomford"
    told = maria.post(
        f"{BASE}/medborgarloften/kommunicerat", json={"communicated_on": str(today_local()), "communicated_how": "Webb"}
    )
    assert told.status_code == 200 and told.json()[0]["communicated_how"] == "Webb"
    schema = maria.get("/api/openapi.json").json()
    assert f"{BASE.replace('fagersta', '{key}')}/overenskommelse/underskrift" in schema["paths"]
    assert schema["components"]["schemas"]["ConfirmedSigning"]["properties"]["confirmed"]["title"].startswith(
        "Jag har läst"
    )
