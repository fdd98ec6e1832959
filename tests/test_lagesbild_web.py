"""The lägesbild through the real server: the HTTP API (same input models, Swedish errors, OpenAPI), the pages'
forms without JavaScript (plain form posts), and the CLI's problem list/show/decide and lagesbild add."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.main import app as cli
from samverkan.models import Decision, PartyLagesbild, Problem
from tests.drive import SAMORDNARE
from tests.live import KOMMUNIKATOR, Live, csrf_of, fagersta_for_web, live_server

ORG = "/api/v1/organisationer/fagersta"


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine, with_deadlines=False)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def _api(live: Live, email: str = SAMORDNARE) -> tuple[httpx.Client, dict[str, str]]:
    person = live.login(email)
    page = person.post("/konto/api-nyckel", data={"csrf_token": person.csrf, "label_text": "t"})  # type: ignore[attr-defined]
    key = re.search(r'id="apinyckel">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    return live.client(), {"Authorization": f"Bearer {key}"}


def test_the_api_builds_the_lagesbild_and_records_the_prioritisation(live: Live) -> None:
    api, headers = _api(live)
    made = api.post(f"{ORG}/problem", headers=headers, json={
        "title": "Skadegörelse i centrum", "area": "Centrum", "category": "skadegörelse",
        "period_from": "2026-01-01", "period_to": "2026-12-31",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    first = made.json()["id"]
    second = api.post(f"{ORG}/problem", headers=headers, json={"title": "Otrygghet vid stationen"}).json()["id"]
    own = api.post(f"{ORG}/lagesbild/parter", headers=headers, json={
        "party": "lpo-norra-vastmanland", "title": "Polisens lägesbild 2026", "summary": "Kort sammanfattning.",
        "filename": "polisen.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 polisen").decode(),
    })  # fmt: skip
    assert own.status_code == 201, own.text
    assert own.json()["party_name"] == "Lokalpolisområde Norra Västmanland"
    sourced = api.post(f"{ORG}/lagesbild/kallor", headers=headers, json={
        "problem_id": first, "kind": "partens_lagesbild", "party_lagesbild_id": own.json()["id"],
    })  # fmt: skip
    assert sourced.status_code == 201 and sourced.json()["sources"][0]["text"] == (
        "Partens lägesbild: Polisens lägesbild 2026"
    )
    assessed = api.put(f"{ORG}/lagesbild/bedomningar", headers=headers, json={
        "problem_id": second, "extent": 5, "severity": 4, "trend": 4, "insecurity": 5, "cost": 3,
    })  # fmt: skip
    assert assessed.status_code == 200 and assessed.json()["total"] == 21
    assert api.get(f"{ORG}/lagesbild/prioritering", headers=headers).json() is None
    decided = api.post(f"{ORG}/lagesbild/prioritering", headers=headers, json={
        "ranking": [{"problem_id": second, "rank": 1}, {"problem_id": first, "reason": "Polisen tar det"}],
        "diarienummer": "KS 2026/40",
    })  # fmt: skip
    assert decided.status_code == 201, decided.text
    assert decided.json()["body_key"] == "styrgrupp" and decided.json()["ranked"][0]["id"] == second
    assert api.get(f"{ORG}/lagesbild/prioritering", headers=headers).json() == decided.json()
    listed = api.get(f"{ORG}/problem", headers=headers).json()
    assert [(p["id"], p["prioritised"], p["rank"]) for p in listed] == [(first, False, None), (second, True, 1)]
    shown = api.get(f"{ORG}/problem/{first}", headers=headers).json()
    assert shown["rationale"] == "Polisen tar det" and shown["decision_id"] == decided.json()["decision_id"]
    whole = api.get(f"{ORG}/lagesbild", headers=headers).json()
    assert whole["deciding_body"] == "Styrgrupp för samverkan kommun–polis" and len(whole["party_lagesbilder"]) == 1


def test_the_api_refuses_in_swedish_naming_what_is_wrong(live: Live) -> None:
    api, headers = _api(live)
    only = api.post(f"{ORG}/problem", headers=headers, json={"title": "Skadegörelse"}).json()["id"]
    twice = api.post(f"{ORG}/lagesbild/prioritering", headers=headers, json={
        "ranking": [{"problem_id": only, "rank": 1}, {"problem_id": only, "rank": 1}],
    })  # fmt: skip
    assert twice.status_code == 422
    assert twice.json()["fel"] == "Prioriteringen kan inte protokollföras:"
    assert "prioritet 1 är given 2 problem; varje prioritet ska vara unik" in twice.json()["saknas"]
    bad_score = api.put(f"{ORG}/lagesbild/bedomningar", headers=headers, json={
        "problem_id": only, "extent": 9, "severity": 1, "trend": 1, "insecurity": 1, "cost": 1,
    })  # fmt: skip
    assert bad_score.status_code == 422 and bad_score.json()["saknas"] == ["body.extent: ska vara högst 5 (fick 9)"]
    assert api.get(f"{ORG}/problem/999", headers=headers).status_code == 404
    other, other_headers = _api(live, KOMMUNIKATOR)
    refused = other.post(f"{ORG}/problem", headers=other_headers, json={"title": "Inte min sak"})
    assert refused.status_code == 403 and "samordnare" in refused.json()["fel"]
    schema = api.get("/api/openapi.json").json()
    assert {
        f"{ORG}/lagesbild/prioritering".replace("fagersta", "{key}"),
        "/api/v1/organisationer/{key}/problem",
    } <= set(schema["paths"])


def _form(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    token = csrf_of(client.get(path.rsplit("/", 1)[0] if "/problem/" in path else "/org/fagersta/lagesbild").text)
    return client.post(path, data={"csrf_token": token, **data})


def test_the_pages_work_with_plain_form_posts(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    empty = maria.get("/org/fagersta/lagesbild")
    assert empty.status_code == 200 and "Lägesbilden har inga problem ännu" in empty.text
    assert 'href="/org/fagersta/lagesbild" aria-current="page">Lägesbild<' in empty.text
    added = _form(maria, "/org/fagersta/lagesbild/problem", title="Skadegörelse i centrum", area="Centrum")
    assert added.status_code == 303
    with Session(live.engine) as session:
        problem = session.exec(select(Problem)).one()
    page = maria.get(f"/org/fagersta/problem/{problem.id}")
    assert page.status_code == 200 and "Skadegörelse i centrum" in page.text
    token = csrf_of(page.text)
    assessed = maria.post(f"/org/fagersta/problem/{problem.id}/bedomning", data={
        "csrf_token": token, "extent": "4", "severity": "4", "trend": "3", "insecurity": "5", "cost": "2",
    })  # fmt: skip
    assert assessed.status_code == 303
    uploaded = maria.post(
        "/org/fagersta/lagesbild/parter",
        data={"csrf_token": token, "party": "fagersta", "title": "Kommunens lägesbild", "summary": "Kort."},
        files={"file": ("kommunen.txt", b"kommunens lagesbild", "text/plain")},
    )
    assert uploaded.status_code == 303, uploaded.text
    missing = maria.post("/org/fagersta/lagesbild/prioritering", data={"csrf_token": token, "rank-99999": "1"})
    assert missing.status_code == 422 and "problem nr 99999 finns inte" in missing.text
    decided = maria.post("/org/fagersta/lagesbild/prioritering", data={
        "csrf_token": token, f"rank-{problem.id}": "1", f"reason-{problem.id}": "Störst skada",
    })  # fmt: skip
    assert decided.status_code == 303
    shown = maria.get("/org/fagersta/lagesbild").text
    assert re.search(r"Prioriterat av Styrgrupp för samverkan kommun–polis, beslut nr \d+ den ", shown)
    assert "Kommunens lägesbild" in shown and "summa 18" in shown
    with Session(live.engine) as session:
        assert session.exec(select(Decision).where(Decision.kind == "prioritering")).one().cycle_id is not None
        assert session.exec(select(PartyLagesbild)).one().title == "Kommunens lägesbild"


def test_the_cli_lists_shows_and_decides(live: Live, tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["--db", str(live.engine.url), "--as", SAMORDNARE]
    added = runner.invoke(cli, ["problem", "add", "fagersta", "Klotter vid skolan", "--area", "Norr", *common])
    assert added.exit_code == 0, added.output
    number = int(re.search(r"Problem nr (\d+)", added.output).group(1))  # type: ignore[union-attr]
    document = tmp_path / "kommunen.txt"
    document.write_text("kommunens lägesbild", encoding="utf-8")
    own = runner.invoke(cli, ["lagesbild", "add", "fagersta", "fagersta", str(document), "--title", "Kommunens",
                              "--summary", "Kort.", *common])  # fmt: skip
    assert own.exit_code == 0, own.output
    listed = runner.invoke(cli, ["problem", "list", "fagersta", "--db", str(live.engine.url)])
    assert listed.output.split()[:4] == [str(number), "Klotter", "vid", "skolan"]
    refused = runner.invoke(cli, ["problem", "decide", "fagersta", "--rank", f"{number}=bort", *common])
    assert refused.exit_code == 1 and "bortprioriterat utan skäl" in refused.output
    decided = runner.invoke(cli, ["problem", "decide", "fagersta", "--rank", f"{number}=1:Viktigast", *common])
    assert decided.exit_code == 0, decided.output
    assert f"1. Klotter vid skolan (problem nr {number})" in decided.output
    shown = runner.invoke(cli, ["problem", "show", "fagersta", str(number), "--db", str(live.engine.url), "--json"])
    assert json.loads(shown.output)["rank"] == 1
