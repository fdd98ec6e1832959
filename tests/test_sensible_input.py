"""Input that makes sense and text a person can read, over real HTTP on SQLite and PostgreSQL: a scope change's
decision in words (not field keys and Python lists); the decision, EST and packet forms keep what was typed after
a refusal; dates and counts within the domain's bounds; 'för långt' says the limit; an ended session is said so,
with the way back and (from our own page) the typed text to copy."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import today_local
from samverkan.database import session_scope
from samverkan.models import Cause, Decision, EstObservation, Indicator, Measure, Organisation
from samverkan.services.documents import lagesbild_summary
from samverkan.web.security import SESSION_COOKIE
from tests.drive import SAMORDNARE
from tests.live import EST_SKOLA, Live, fagersta_for_web, live_server
from tests.test_orsak_web import notice, post, prioritised_problem


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def decisions(engine: Engine) -> list[Decision]:
    with Session(engine) as session:
        return list(session.exec(select(Decision).order_by(Decision.id)).all())


def test_a_scope_change_is_filed_in_words_with_indicator_names(live: Live) -> None:
    problem = prioritised_problem(live.engine)
    maria = live.login(SAMORDNARE)
    cause = {"perspective": "plats", "description": "Mörkt torg"}
    notice(maria, post(maria, f"/org/fagersta/orsaksanalys/{problem}/orsak", cause))
    with Session(live.engine) as session:
        indicator = session.exec(select(Indicator).where(Indicator.key == "anmalda-brott")).one()
        cause_id = session.exec(select(Cause.id)).one()
    due = (today_local() + timedelta(days=200)).isoformat()
    created = post(maria, "/org/fagersta/atgardsplan/ny", {
        "cause_id": str(cause_id), "title": "Kameror vid resecentrum", "owner": "samordnare", "due_on": due,
        "follow_up": "Anmälningar per kvartal", "operational_goal": "Färre anmälningar"})  # fmt: skip
    assert "är tillagd" in notice(maria, created)
    with Session(live.engine) as session:
        measure_id = session.exec(select(Measure.id)).one()
    changed = post(maria, f"/org/fagersta/atgardsplan/{measure_id}/andring", {
        "decision_text": "Styrgruppen följer åtgärden med anmälda brott.", "indicator_ids": str(indicator.id),
        "owner": "kommunpolis"})  # fmt: skip
    assert "är ändrad genom beslut nr" in notice(maria, changed)
    (decision,) = decisions(live.engine)
    assert decision.text.splitlines()[-2:] == [
        "- Ansvarig roll: Brottsförebyggande samordnare → Kommunpolis",
        f"- Indikatorer: inga → {indicator.name}",
    ], decision.text
    register = html.unescape(maria.get("/org/fagersta/beslut").text)
    assert f"Indikatorer: inga → {indicator.name}" in register
    assert "[]" not in register and "['anmalda-brott']" not in register and "owner_role_key" not in register


def _typed_decision(maria: httpx.Client, **changed: str) -> dict[str, str]:
    return {"csrf_token": maria.csrf, "body_key": "lokala-bra", "kind": "inriktningsbeslut",  # type: ignore[attr-defined]
            "title": "Inriktning för kvartalet", "text": "Lokala BRÅ fastställer inriktningen <för> hösten.",
            "decided_on": today_local().isoformat(), "diarienummer": "KS 2026/77", **changed}  # fmt: skip


def test_the_decision_form_refuses_dates_and_bodies_that_cannot_be_and_keeps_what_was_typed(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    today = today_local()
    cases = {
        "2026-13-45": "Beslutsdatum: ska vara ett datum (ÅÅÅÅ-MM-DD)",
        (today + timedelta(days=1)).isoformat(): "har inte varit än; ett beslut registreras när det är fattat",
        "2099-12-31": "har inte varit än",
        "1900-01-01": "beslutsdatumet 1900-01-01 är för tidigt",
        "2009-12-31": "finns sedan 2010",
    }
    for day, message in cases.items():
        refused = maria.post("/org/fagersta/beslut", data=_typed_decision(maria, decided_on=day))
        assert refused.status_code in (409, 422), (day, refused.status_code)
        page = html.unescape(refused.text)
        assert message in page, (day, page[page.find('class="error"') :][:400])
        assert f'id="decided_on" name="decided_on" type="date" value="{day}"' in page  # kept as typed
        assert 'value="Inriktning för kvartalet"' in page and 'value="KS 2026/77"' in page
        assert ">Lokala BRÅ fastställer inriktningen <för> hösten.</textarea>" in page
        assert '<option value="lokala-bra" selected>' in page
        assert '<option value="inriktningsbeslut" selected>' in page
    est = maria.post("/org/fagersta/beslut", data=_typed_decision(maria, body_key="est"))
    assert est.status_code in (409, 422)
    assert "EST-gruppen Fagersta är en operativ arbetsgrupp (EST-grupp) och fattar inte inriktningsbeslut" in est.text
    assert '<option value="est" selected>' in est.text and 'value="Inriktning för kvartalet"' in est.text
    too_long = maria.post("/org/fagersta/beslut", data=_typed_decision(maria, title="R" * 301))
    assert too_long.status_code == 422 and "Rubrik: är för långt (högst 300 tecken, du skrev 301)" in too_long.text
    assert decisions(live.engine) == []  # nothing of it was recorded
    done = maria.post("/org/fagersta/beslut", data=_typed_decision(maria, body_key="est", kind="beslut",
                                                                       decided_on="2010-01-01"))  # fmt: skip
    assert done.status_code == 303  # the EST group's own decision, as early as the register goes
    assert "1 är protokollfört" in html.unescape(maria.get(done.headers["location"]).text)
    page = maria.get("/org/fagersta/beslut").text
    assert 'min="2010-01-01"' in page and f'max="{today.isoformat()}"' in page


def _typed_observation(erik: httpx.Client, **changed: str) -> dict[str, str]:
    return {"csrf_token": erik.csrf, "category": "klotter", "area": "Resecentrum", "source_function": "skola",  # type: ignore[attr-defined]
            "count": "2", "severity": "2", "observed_on": today_local().isoformat(), **changed}  # fmt: skip


def test_an_est_report_counts_what_was_seen_within_the_last_year(live: Live) -> None:
    erik = live.login(EST_SKOLA)
    today = today_local()
    zero = erik.post("/org/fagersta/est", data=_typed_observation(erik, count="0"))
    assert zero.status_code == 422 and "Antal: ska vara minst 1 (fick 0)" in html.unescape(zero.text)
    assert 'value="Resecentrum"' in zero.text and '<option value="2" selected>2 – medel</option>' in zero.text
    old = erik.post("/org/fagersta/est", data=_typed_observation(erik, observed_on="1999-01-01"))
    assert old.status_code == 422 and "observationen är för gammal (1999-01-01)" in old.text
    assert 'value="1999-01-01"' in old.text  # kept as typed, to correct
    year_and_a_day = (today - timedelta(days=366)).isoformat()
    assert (
        "är för gammal"
        in erik.post("/org/fagersta/est", data=_typed_observation(erik, observed_on=year_and_a_day)).text
    )
    future = erik.post(
        "/org/fagersta/est", data=_typed_observation(erik, observed_on=(today + timedelta(1)).isoformat())
    )
    assert "kan inte vara gjord i framtiden" in future.text
    with Session(live.engine) as session:
        assert session.exec(select(EstObservation)).all() == []
    a_year_ago = (today - timedelta(days=365)).isoformat()
    assert erik.post("/org/fagersta/est", data=_typed_observation(erik, observed_on=a_year_ago)).status_code == 303
    assert erik.post("/org/fagersta/est", data=_typed_observation(erik)).status_code == 303
    form = erik.get("/org/fagersta/est").text
    assert f'min="{a_year_ago}"' in form and 'type="number" min="1"' in form
    with session_scope(live.engine) as session:  # a report of 0 stored before counts were checked
        kept = session.exec(select(EstObservation)).first()
        assert kept is not None
        session.add(EstObservation(organisation_id=kept.organisation_id, body_id=kept.body_id, observed_on=today,
                                   category="klotter", area="Torget", source_function="skola", count=0))  # fmt: skip
    with Session(live.engine) as session:
        fagersta = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        picture = dict(lagesbild_summary(session, fagersta, today, days=90))
    assert picture == {"klotter": "<3"}  # 2 and 0 are 2 (was shown as 3: 0 counted as one)


def test_a_packet_is_for_a_deciding_body_and_a_meeting_near_today(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    page = maria.get("/org/fagersta/handlingar").text
    assert '<option value="lokala-bra">' in page and '<option value="est">' not in page
    data = {"csrf_token": maria.csrf, "kind": "inriktningsbeslut", "body_key": "est",  # type: ignore[attr-defined]
            "meeting_on": today_local().isoformat()}  # fmt: skip
    est = maria.post("/org/fagersta/handlingar", data=data)
    assert est.status_code in (409, 422) and "operativ arbetsgrupp" in est.text and "inriktningsbeslut" in est.text
    ancient = maria.post(
        "/org/fagersta/handlingar", data={**data, "body_key": "lokala-bra", "meeting_on": "1900-01-01"}
    )
    assert ancient.status_code in (409, 422) and "mötesdagen 1900-01-01 ligger för långt från i dag" in ancient.text
    assert 'value="1900-01-01"' in ancient.text and '<option value="lokala-bra" selected>' in ancient.text
    assert not (live.data_dir / "documents" / "fagersta").exists() or not any(
        (live.data_dir / "documents" / "fagersta").glob("*.pdf")
    )


def test_a_form_posted_after_the_session_ended_says_so_and_shows_the_text_to_copy(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    maria.get("/org/fagersta/beslut")
    ended = maria.cookies[SESSION_COOKIE]
    assert maria.post("/logga-ut", data={"csrf_token": maria.csrf}).status_code == 303  # type: ignore[attr-defined]
    maria.cookies.set(SESSION_COOKIE, ended)  # the browser still sends the cookie of the ended session
    same_site = {"Sec-Fetch-Site": "same-origin"}
    gone = maria.post("/org/fagersta/beslut", data=_typed_decision(maria), headers=same_site)
    assert gone.status_code == 401 and "<h1>Du har loggats ut</h1>" in gone.text
    assert "Det du skrev har inte sparats." in gone.text
    assert 'href="/logga-in?nasta=/org/fagersta/beslut"' in gone.text, gone.text[gone.text.find("<main") :]
    assert '<label for="typed-1">Rubrik</label>' in gone.text
    assert "Lokala BRÅ fastställer inriktningen &lt;för&gt; hösten.</textarea>" in gone.text  # escaped, to copy
    assert ">KS 2026/77</textarea>" in gone.text and ">lokala-bra</textarea>" not in gone.text  # choices: not typed
    assert maria.csrf not in gone.text  # type: ignore[attr-defined]  # the old token is not shown back
    justera = maria.post("/org/fagersta/beslut/6/justera", data={"csrf_token": "x"}, headers=same_site)
    assert justera.status_code == 401 and 'href="/logga-in?nasta=/org/fagersta/beslut"' in justera.text
    cross = live.client().post("/org/fagersta/beslut", data={"title": "Klicka här: evil.example"},
                               headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert cross.status_code == 401 and "evil.example" not in cross.text and "kan inte visas här" in cross.text
    anonymous = live.client().post("/logga-in", data={"email": SAMORDNARE, "password": "x"})
    assert anonymous.status_code == 403 and "säkerhetstoken" in anonymous.text  # the login form: no session to end
    assert decisions(live.engine) == []
