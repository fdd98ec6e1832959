"""Indikatorer and Verkningskedjan over HTTP against the real server: the pages (nav, chart, gaps), a measurement
entered in the form, a CSV upload refused with the CLI import's located errors and then accepted, refusals in
Swedish; and the same through the API with a personal key (lists, one indicator, add, import, the chain)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import today_local
from samverkan.database import session_scope
from samverkan.models import Body, EstObservation, Indicator, MeasureIndicator, Measurement
from samverkan.models.enums import BodyKind, CausePerspective
from samverkan.services import indicators, substance
from samverkan.services.actor import Actor
from samverkan.services.inputs import AddCause, AddMeasure, AddMeasurement, AddProblem, Prioritise
from tests.drive import KOMMUNPOLIS, SAMORDNARE
from tests.live import EST_SKOLA, Live, fagersta_for_web, live_server


def with_chain(engine: Engine) -> dict[str, int]:
    """Fagersta's first cycle with one prioritised problem, two causes, one åtgärd linked to 'anmälda brott',
    which has two measurements (the latest preliminary)."""
    today = today_local()
    coordinator, police = Actor("fagersta", SAMORDNARE, today), Actor("fagersta", KOMMUNPOLIS, today)
    with session_scope(engine) as s:
        problem = substance.add_problem(s, coordinator, AddProblem(title="Skadegörelse i centrum kvällstid"))
        s.flush()
        assert problem.id is not None
        substance.prioritise(s, coordinator, Prioritise(problem_id=problem.id, rank=1))
        place = substance.add_cause(s, police, AddCause(problem_id=problem.id, perspective=CausePerspective.PLACE,
                                                        description="Mörkt torg med skymda siktlinjer"))  # fmt: skip
        substance.add_cause(s, police, AddCause(problem_id=problem.id, perspective=CausePerspective.OFFENDER,
                                                description="Unga samlas utan vuxna på kvällen"))  # fmt: skip
        s.flush()
        measure = substance.add_measure(s, coordinator, AddMeasure(
            cause_id=place.id, title="Ny belysning på torget", owner="samordnare", due_on=today + timedelta(days=200),
            follow_up="Anmälningar per kvartal"))  # fmt: skip
        crimes = s.exec(select(Indicator).where(Indicator.key == "anmalda-brott")).one()
        s.flush()
        assert measure.id is not None and crimes.id is not None
        s.add(MeasureIndicator(measure_id=measure.id, indicator_id=crimes.id))
        year = today.year
        for period, value, prel in ((str(year - 2), 11900.0, False), (str(year - 1), 11300.0, True)):
            given = AddMeasurement(indicator_id=crimes.id, period=period, value=value, preliminary=prel)
            indicators.add_measurement(s, coordinator, given)
        est = s.exec(select(Body).where(Body.kind == BodyKind.EST)).first()
        assert est is not None and est.id is not None and est.organisation_id is not None
        for days_ago, category, count in ((40, "Skadegörelse", 6), (35, "Klotter", 4), (3, "skadegörelse", 5)):
            day = today - timedelta(days=days_ago)
            s.add(EstObservation(organisation_id=est.organisation_id, body_id=est.id, category=category, count=count,
                                 observed_on=day, area="Centrum", source_function="skola"))  # fmt: skip
    with Session(engine) as s:
        ntu = s.exec(select(Indicator).where(Indicator.key == "ntu-utsatthet")).one()
        return {"problem": problem.id, "crimes": crimes.id, "ntu": ntu.id or 0, "measure": measure.id}


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def post_csv(client: httpx.Client, url: str, name: str, text: str) -> httpx.Response:
    files = {"file": (name, text.encode("utf-8"), "text/csv")}
    return client.post(url, data={"csrf_token": client.csrf}, files=files)  # type: ignore[attr-defined]


def test_the_chain_page_names_every_gap_and_links_to_the_indicators(live: Live) -> None:
    ids = with_chain(live.engine)
    maria = live.login(SAMORDNARE)
    page = maria.get("/org/fagersta/kedja")
    assert page.status_code == 200
    html = page.text
    assert 'href="/org/fagersta/kedja" aria-current="page">Verkningskedjan</a>' in html
    assert 'href="/org/fagersta/indikatorer">Indikatorer</a>' in html
    assert '<h2 id="luckor-rubrik">Luckor i kedjan (2)</h2>' in html
    assert f'<a href="#problem-{ids["problem"]}">Orsaksanalysen av ”Skadegörelse i centrum kvällstid”' in html
    assert "(”Unga samlas utan vuxna på kvällen”) har ingen åtgärd." in html
    assert f'<a href="/org/fagersta/indikatorer/{ids["crimes"]}">Anmälda brott per 100 000 invånare</a>' in html
    assert '<span class="tag gul">preliminärt</span>' in html
    assert "<caption>Åtgärder per status</caption>" in html and 'id="diagram-atgarder-per-status"' in html
    assert len(re.findall(r'\bid="([^"]+)"', html)) == len(set(re.findall(r'\bid="([^"]+)"', html)))  # ids unique


def test_enter_a_measurement_and_upload_a_csv_with_located_errors(live: Live) -> None:
    ids = with_chain(live.engine)
    year = today_local().year
    maria = live.login(SAMORDNARE)
    url = f"/org/fagersta/indikatorer/{ids['ntu']}"
    listing = maria.get("/org/fagersta/indikatorer").text
    assert (
        f'<a href="/org/fagersta/indikatorer/{ids["ntu"]}">Utsatthet för brott mot enskild person (NTU)</a>' in listing
    )
    assert "inget värde" in listing and "inget mål är satt" in listing
    form = {"csrf_token": maria.csrf, "period": f"{year}-q2", "value": "17,4", "preliminary": "true"}  # type: ignore[attr-defined]
    done = maria.post(url, data=form)
    assert done.status_code == 303 and done.headers["location"] == url
    shown = maria.get(url).text
    assert "Mätvärden sparade: 1 nya, 0 ändrade, 0 oförändrade." in shown
    assert f"<tr><td>{year}-Q2</td><td>17,4</td><td>preliminärt</td></tr>" in shown  # the chart's table
    assert '<circle class="preliminar"' in shown
    refused = maria.post(url, data={**form, "period": "förra året"})
    assert refused.status_code == 422 and "&#39;förra året&#39; är ingen period" in refused.text
    assert 'value="17,4"' in refused.text  # the form keeps what was typed

    bad = f"indikator;period;värde\nntu-utsatthet;{year - 1};16,9\nntu-utsatthet;{year - 1}-13;16\nokänd;{year};1\n"
    answer = post_csv(maria, f"{url}/csv", "ntu.csv", bad)
    assert answer.status_code == 422
    assert "ntu.csv importerades inte. Rätta raderna:" in answer.text
    assert f"ntu.csv:3: &#39;{year - 1}-13&#39; är ingen period" in answer.text
    assert "ntu.csv:4: okänd indikator &#39;okänd&#39;" in answer.text
    with Session(live.engine) as s:
        assert len(s.exec(select(Measurement).where(Measurement.indicator_id == ids["ntu"])).all()) == 1
    good = f"indikator;period;värde;preliminär\nntu-utsatthet;{year - 1};16,9;\nntu-utsatthet;{year - 2};18,0;\n"
    assert post_csv(maria, f"{url}/csv", "ntu.csv", good).status_code == 303
    assert "Mätvärden sparade: 2 nya, 0 ändrade, 0 oförändrade." in maria.get(url).text
    assert "inte UTF-8" in maria.post(f"{url}/csv", data={"csrf_token": maria.csrf},  # type: ignore[attr-defined]
                                      files={"file": ("x.csv", b"\xff\xfe\x00", "text/csv")}).text  # fmt: skip


def test_refusals_are_swedish_pages(live: Live) -> None:
    ids = with_chain(live.engine)
    erik = live.login(EST_SKOLA)
    url = f"/org/fagersta/indikatorer/{ids['crimes']}"
    page = erik.get(url)
    assert page.status_code == 200 and "Registrera ett mätvärde" not in page.text  # offered only to who may
    refused = erik.post(url, data={"csrf_token": erik.csrf, "period": "2025", "value": "1"})  # type: ignore[attr-defined]
    assert refused.status_code == 403 and "registrera mätvärden" in refused.text
    missing = erik.get("/org/fagersta/indikatorer/999999")
    assert missing.status_code == 404 and "indikator nr 999999 finns inte i Fagersta kommun" in missing.text


def test_the_api_lists_reads_adds_imports_and_shows_the_chain(live: Live) -> None:
    ids = with_chain(live.engine)
    year = today_local().year
    maria = live.login(SAMORDNARE)
    page = maria.post("/konto/api-nyckel", data={"csrf_token": maria.csrf, "label_text": "kedja"})  # type: ignore[attr-defined]
    key = re.search(r'id="apinyckel">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    api, headers = live.client(), {"Authorization": f"Bearer {key}"}
    base = "/api/v1/organisationer/fagersta"
    assert api.get(f"{base}/indikatorer").status_code == 401
    listed = api.get(f"{base}/indikatorer", headers=headers).json()
    crimes = next(i for i in listed if i["nyckel"] == "anmalda-brott")
    assert crimes["senaste"] == {"period": str(year - 1), "varde": 11300.0, "preliminart": True}
    assert crimes["aktuellt"] is True and crimes["bedomning"] == "inget_mal"
    added = api.post(f"{base}/indikatorer/{ids['ntu']}/matvarden", headers=headers,
                     json={"period": str(year - 1), "value": 16.5})  # fmt: skip
    assert added.status_code == 200 and added.json() == {"nya": 1, "andrade": 0, "oforandrade": 0}
    one = api.get(f"{base}/indikatorer/{ids['ntu']}", headers=headers).json()
    assert one["utgangsvarde"] == 18.1 and one["riket"] == 22.6
    assert one["matvarden"] == [{"period": str(year - 1), "varde": 16.5, "preliminart": False, "kalla": None}]
    bad = api.post(f"{base}/matvarden", headers=headers,
                   json={"file": "api.csv", "text": "indikator;period;värde\nntu-utsatthet;2020;x\n"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json() == {"fel": "api.csv importerades inte. Rätta raderna:", "saknas": ["api.csv:2: 'x' är inget tal"]}
    good = api.post(f"{base}/matvarden", headers=headers,
                    json={"file": "api.csv", "text": "indikator;period;värde\nntu-utsatthet;2020;19\n"})  # fmt: skip
    assert good.json() == {"nya": 1, "andrade": 0, "oforandrade": 0}
    chain = api.get(f"{base}/kedja", headers=headers).json()
    assert chain["cykel"] == 1 and chain["problem"][0]["rubrik"] == "Skadegörelse i centrum kvällstid"
    measure = chain["problem"][0]["orsaker"][0]["atgarder"][0]
    assert measure["id"] == ids["measure"] and measure["indikatorer"][0]["nyckel"] == "anmalda-brott"
    assert {g["typ"] for g in chain["luckor"]} == {"analys_ej_klar", "orsak_utan_atgard"}
    assert api.get(f"{base}/indikatorer/999999", headers=headers).json() == {
        "fel": "indikator nr 999999 finns inte i Fagersta kommun", "saknas": []}  # fmt: skip
    schema = api.get("/api/openapi.json").json()
    for path in ("/indikatorer", "/indikatorer/{indicator_id}", "/indikatorer/{indicator_id}/matvarden",
                 "/matvarden", "/kedja"):  # fmt: skip
        assert f"/api/v1/organisationer/{{key}}{path}" in schema["paths"], path
