"""Orsaksanalys and åtgärdsplan over real HTTP, without JavaScript: the forms post, refusals come back in Swedish
on the same page, an åtgärd is created from a cause with indicator checkboxes, and changing or cancelling it
records the styrgrupp's decision; the status page /atgarder keeps working and shows a cancelled åtgärd."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import today_local
from samverkan.models import Cause, Decision, Indicator, Measure
from samverkan.services import substance
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver
from tests.live import EST_SKOLA, Live, fagersta_for_web, live_server


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def prioritised_problem(engine: Engine) -> int:
    d = Driver(engine, "fagersta", today_local())
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1, rationale="Mest frekvent")
    return int(problem.id)


def post(client: httpx.Client, path: str, data: dict[str, object]) -> httpx.Response:
    return client.post(path, data={**data, "csrf_token": client.csrf})  # type: ignore[attr-defined]


def notice(client: httpx.Client, answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"]).text
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page)
    return html.unescape(found.group(1)) if found else ""


def test_an_analysis_in_the_browser_without_javascript(live: Live) -> None:
    problem = prioritised_problem(live.engine)
    polis = live.login(KOMMUNPOLIS)
    overview = polis.get("/org/fagersta/orsaksanalys")
    assert overview.status_code == 200 and "Skadegörelse i centrum kvällstid" in overview.text
    assert 'href="/org/fagersta/orsaksanalys"' in overview.text and "ej påbörjad" in overview.text
    base = f"/org/fagersta/orsaksanalys/{problem}"
    added = post(polis, f"{base}/orsak", {"perspective": "plats", "direct": "true", "description": "Mörkt torg",
                                          "sources": "Trygghetsvandring 2026"})  # fmt: skip
    assert notice(polis, added) == "Orsak nr 1 är tillagd."
    under = post(polis, f"{base}/orsak", {"perspective": "plats", "direct": "false", "parent": "1",
                                          "description": "Belysningen underhålls inte"})  # fmt: skip
    assert notice(polis, under) == "Orsak nr 2 är tillagd."
    refused = post(polis, f"{base}/klar", {"summary": "Klar"})
    assert refused.status_code == 422
    assert "kan inte slutföras. Det saknas:" in refused.text and "perspektivet gärningsperson" in refused.text
    bad = post(polis, f"{base}/orsak", {"perspective": "okand", "description": "x"})
    assert bad.status_code == 422 and "Perspektiv:" in bad.text
    for perspective, reason in (("brottsutsatt", "skadorna drabbar kommunens egendom"),
                                ("garningsperson", "inga kända gärningspersoner; platsen styr")):  # fmt: skip
        answer = post(polis, f"{base}/inte-relevant", {"perspective": perspective, "reason": reason})
        assert "är markerat som inte relevant" in notice(polis, answer)
    dialogue = {"held_on": today_local().isoformat(), "form": "Trygghetsvandring", "participants": "14",
                "outcome": "Torget upplevs mörkt och otryggt"}  # fmt: skip
    assert "är registrerad" in notice(polis, post(polis, f"{base}/medborgardialog", dialogue))
    assert notice(polis, post(polis, f"{base}/klar", {"summary": "Platsen"})) == "Orsaksanalysen är klar."
    page = polis.get(base).text
    tree = page[page.index('id="orsak-') :]
    assert tree.index("Mörkt torg") < tree.index('<ul class="orsaker">', 10) < tree.index("Belysningen underhålls")
    assert "Inte relevant, eftersom skadorna drabbar kommunens egendom" in page and "Källor: Trygghetsvandring" in page
    assert '<td data-label="Deltagare">14</td>' in page and "Analysen är klar" in page
    assert ">Skapa en åtgärd från orsak 1</a>" in page and "atgardsplan#plan-orsak-" in page


def test_an_atgard_from_a_cause_changed_and_cancelled_by_decision(live: Live) -> None:
    problem = prioritised_problem(live.engine)
    maria = live.login(SAMORDNARE)
    base = f"/org/fagersta/orsaksanalys/{problem}"
    notice(maria, post(maria, f"{base}/orsak", {"perspective": "plats", "description": "Mörkt torg"}))
    with Session(live.engine) as session:
        indicators = [i.id for i in session.exec(select(Indicator).order_by(Indicator.id)).all()]
        cause_id = session.exec(select(Cause.id)).one()
    plan = maria.get("/org/fagersta/atgardsplan")
    assert plan.status_code == 200 and "Ny åtgärd för orsak 1" in plan.text and "styrgrupp" in plan.text.lower()
    due = (today_local() + timedelta(days=200)).isoformat()
    fields = {"cause_id": str(cause_id), "title": "Ny belysning på torget", "owner": "samordnare", "due_on": due,
              "follow_up": "Anmälningar per kvartal", "operational_goal": "20 % färre anmälningar till 2028",
              "arbetsgrupp": "Trygg stadskärna", "planned_hours": "120", "planned_cost_sek": "85000"}  # fmt: skip
    missing = post(maria, "/org/fagersta/atgardsplan/ny", {**fields, "follow_up": ""})
    assert missing.status_code == 422 and "hur åtgärden ska följas upp" in missing.text
    assert 'value="Ny belysning på torget"' in missing.text  # the typed fields come back
    created = post(maria, "/org/fagersta/atgardsplan/ny", {**fields, "indicator_ids": [str(i) for i in indicators[:2]]})
    assert "'Ny belysning på torget' är tillagd" in notice(maria, created)
    with Session(live.engine) as session:
        measure = session.exec(select(Measure)).one()
        names = [session.get(Indicator, i).name for i in indicators[:2]]  # type: ignore[union-attr]
    page = maria.get("/org/fagersta/atgardsplan").text
    assert all(name in page for name in names) and "Trygg stadskärna" in page and "120 timmar, 85000 kr" in page
    later = (today_local() + timedelta(days=300)).isoformat()
    decided = {"decision_text": "Styrgruppen förlänger; armaturerna är försenade.", "due_on": later}
    change = post(
        maria, f"/org/fagersta/atgardsplan/{measure.id}/andring", {**decided, "indicator_ids": str(indicators[0])}
    )
    assert re.fullmatch(rf"Åtgärd nr {measure.id} är ändrad genom beslut nr \d+\.", notice(maria, change))
    cancel = post(maria, f"/org/fagersta/atgardsplan/{measure.id}/avbryt",
                  {"decision_text": "Fastighetsägaren belyser torget själv."})  # fmt: skip
    assert "är avbruten genom beslut nr" in notice(maria, cancel)
    with Session(live.engine) as session:
        decisions = session.exec(select(Decision).order_by(Decision.id)).all()
    assert [d.title.split(":")[0] for d in decisions] == ["Ändrad omfattning", "Avbruten åtgärd"]
    plan_after = maria.get("/org/fagersta/atgardsplan").text
    assert 'data-state="avbruten"' in plan_after and f"Beslut nr {decisions[1].id}" in plan_after
    assert "Avbryt åtgärden (beslut)" not in plan_after
    status = maria.get("/org/fagersta/atgarder")
    assert status.status_code == 200 and "avbruten" in status.text
    report = post(maria, f"/org/fagersta/atgarder/{measure.id}", {"status": "gron", "progress_pct": "100"})
    assert report.status_code == 422 and "är avbruten genom beslut" in report.text


def test_someone_without_a_coordinating_role_sees_but_cannot_act(live: Live) -> None:
    problem = prioritised_problem(live.engine)
    skola = live.login(EST_SKOLA)
    assert skola.get(f"/org/fagersta/orsaksanalys/{problem}").status_code == 200
    refused = post(skola, f"/org/fagersta/orsaksanalys/{problem}/orsak", {"perspective": "plats", "description": "x"})
    assert refused.status_code == 403 and "arbeta med orsaksanalysen" in refused.text
    assert skola.get("/org/fagersta/orsaksanalys/9999").status_code == 404


def api_client(live: Live, email: str) -> httpx.Client:
    person = live.login(email)
    page = post(person, "/konto/api-nyckel", {"label_text": "orsak"})
    key = re.search(r'id="apinyckel">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    return httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_the_api_offers_the_same_actions(live: Live) -> None:
    problem = prioritised_problem(live.engine)
    api = api_client(live, KOMMUNPOLIS)
    org = "/api/v1/organisationer/fagersta"
    cause = api.post(f"{org}/orsaker", json={"problem_id": problem, "perspective": "plats", "description": "Mörkt torg",
                                              "sources": "Polisens lägesbild"})  # fmt: skip
    assert cause.status_code == 201, cause.text
    assert cause.json()["number"] == 1 and cause.json()["perspective"] == "plats/objekt"
    refused = api.post(f"{org}/orsaksanalyser/klar", json={"problem_id": problem})
    assert refused.status_code == 422 and len(refused.json()["saknas"]) == 2
    assert "kan inte slutföras" in refused.json()["fel"]
    for perspective in ("brottsutsatt", "garningsperson"):
        note = {"problem_id": problem, "perspective": perspective, "reason": "platsen styr"}
        answer = api.post(f"{org}/orsaksanalyser/inte-relevant", json=note)
        assert answer.status_code == 200, answer.text
    dialogue = {"problem_id": problem, "held_on": today_local().isoformat(), "form": "Enkät", "participants": 1,
                "outcome": "Otrygg kvällstid"}  # fmt: skip
    assert api.post(f"{org}/orsaksanalyser/medborgardialoger", json=dialogue).json()["dialogues"] == 1
    done = api.post(f"{org}/orsaksanalyser/klar", json={"problem_id": problem, "summary": "Platsen"}).json()
    assert (done["completed"], done["missing"]) == (True, [])
    assert api.get(f"{org}/orsaksanalyser").json()[0]["perspectives"]["brottsutsatt"] == "platsen styr"

    maria = api_client(live, SAMORDNARE)
    with Session(live.engine) as session:
        indicator = session.exec(select(Indicator).order_by(Indicator.id)).first()
    assert indicator is not None
    due = (today_local() + timedelta(days=100)).isoformat()
    made = maria.post(f"{org}/atgardsplan", json={"cause_id": cause.json()["id"], "title": "Belysning",
                                                  "owner": "samordnare", "due_on": due, "follow_up": "Kvartalsvis",
                                                  "indicator_ids": [indicator.id]})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["indicators"] == [indicator.name] and made.json()["state"] == "aktiv"
    measure = made.json()["id"]
    changed = maria.post(f"{org}/atgardsplan/andringar",
                         json={"measure_id": measure, "decision_text": "Större", "planned_hours": 300})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["planned_hours"] == 300
    cancelled = maria.post(f"{org}/atgardsplan/avbrott", json={"measure_id": measure, "decision_text": "Stopp"})
    assert cancelled.json()["state"] == "avbruten" and len(cancelled.json()["decisions"]) == 2
    again = maria.post(f"{org}/atgardsplan/avbrott", json={"measure_id": measure, "decision_text": "Stopp"})
    assert again.status_code == 422 and "redan avbruten" in again.json()["fel"]
    assert maria.get(f"{org}/atgardsplan/{measure}").json()["cancelled_by"] is not None
    assert maria.get(f"{org}/orsaker/999").status_code == 404
    assert [c["measures"] for c in maria.get(f"{org}/orsaker", params={"problem": problem}).json()] == [
        [f"nr {measure}: Belysning"]
    ]
