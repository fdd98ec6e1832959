"""Evidence that proves what it claims, through the real server on SQLite and PostgreSQL: the item page offers
only the decisions that would be accepted (or says which body must decide first), the page and the API refuse
another one alike, a fake file or a javascript: place completes nothing and stores nothing, and the problem page
refuses an empty EST source and offers only the lägesbild's documents."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import today_local
from samverkan.models import ChecklistItem, Evidence, Upload
from samverkan.models.enums import ItemStatus
from samverkan.services import agreements, cycle, substance
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver, decided, doc
from tests.live import Live, csrf_of, fagersta_for_web, live_server


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine, with_deadlines=False)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def item_id(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        return session.exec(select(ChecklistItem.id).where(ChecklistItem.key == key)).one()  # type: ignore[return-value]


def status(engine: Engine, key: str) -> str:
    with Session(engine) as session:
        return session.exec(select(ChecklistItem.status).where(ChecklistItem.key == key)).one()


def text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_item_page_offers_only_decisions_made_while_the_phase_ran(live: Live) -> None:
    today = today_local()
    d = Driver(live.engine, "fagersta", today)
    target = item_id(live.engine, "beslut-om-samverkan")
    maria = live.login(SAMORDNARE)
    page = maria.get(f"/org/fagersta/punkt/{target}").text
    assert "Inget protokollfört beslut kan visa punkten än. Den visas med ett beslut av Styrgrupp för samverkan " in (
        text(page)
    )
    assert '<a href="/org/fagersta/beslut">Protokollför beslutet' in page and 'name="decision_id"' not in page
    old = d(
        agreements.record_decision, SAMORDNARE, body_key="styrgrupp", title="Gammalt inriktningsbeslut",
        text="Styrgruppen beslutade förra året.", decided_on=today - timedelta(days=40),
    ).number  # fmt: skip
    first, newest = d.decision("Beslut om samverkan"), d.decision("Beslut om samverkan, justerat")
    page = maria.get(f"/org/fagersta/punkt/{target}").text
    options = re.findall(r'<option value="(\d+)"( selected)?>', page)
    assert options == [(str(newest), " selected"), (str(first), "")]  # newest first and preselected; not the old
    refused = maria.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": csrf_of(page), "title": "Beslut", "decision_id": str(old)},
    )
    assert refused.status_code == 422
    assert (
        f"beslut nr {old} ('Gammalt inriktningsbeslut') fattades {today - timedelta(days=40)}, innan fasen "
        f"Initiera samverkan öppnades {today}"
    ) in text(refused.text)
    api_key = maria.post("/konto/api-nyckel", data={"csrf_token": csrf_of(page), "label_text": "t"})
    key = re.search(r'id="apinyckel">([^<]+)<', api_key.text).group(1)  # type: ignore[union-attr]
    answer = live.client().post(
        f"/api/v1/organisationer/fagersta/punkter/{target}/klar",
        headers={"Authorization": f"Bearer {key}"},
        json={"title": "Beslut", "decision_id": old},
    )
    assert answer.status_code == 422 and f"innan fasen Initiera samverkan öppnades {today}" in answer.json()["fel"]
    assert status(live.engine, "beslut-om-samverkan") == ItemStatus.OPEN
    done = maria.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": csrf_of(page), "title": "Beslut", "decision_id": options[0][0]},
    )
    assert done.status_code == 303 and status(live.engine, "beslut-om-samverkan") == ItemStatus.DONE


def test_a_fake_file_or_a_javascript_place_completes_nothing(live: Live) -> None:
    target = item_id(live.engine, "roller-och-ansvar")
    johan = live.login(KOMMUNPOLIS)
    token = csrf_of(johan.get(f"/org/fagersta/punkt/{target}").text)
    fake = johan.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": token, "title": "Roller"},
        files={"file": ("fake.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/pdf")},
    )
    assert fake.status_code == 422
    assert ("filen fake.pdf tas inte emot: namnet säger en PDF, men innehållet ser ut som ett Windows-program") in text(
        fake.text
    )
    script = johan.post(
        f"/org/fagersta/punkt/{target}", data={"csrf_token": token, "title": "Roller", "uri": "javascript:alert(1)"}
    )
    assert script.status_code == 422
    assert "en adress av typen javascript: tas inte emot som bevis" in text(script.text)
    # the form comes back as typed, to be mended rather than typed again (escaped in its attribute)
    assert 'name="title" maxlength="300" value="Roller"' in script.text
    assert 'value="javascript:alert(1)"' in script.text and "<script" not in script.text.lower()
    with Session(live.engine) as session:
        assert session.exec(select(Upload)).all() == [] and session.exec(select(Evidence)).all() == []
    assert not (live.data_dir / "uppladdat").exists() or not any((live.data_dir / "uppladdat").iterdir())
    assert status(live.engine, "roller-och-ansvar") == ItemStatus.OPEN
    real = johan.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": token, "title": "Roller"},
        files={"file": ("roller.pdf", b"%PDF-1.4\n% Roller och ansvar\n", "application/pdf")},
    )
    assert real.status_code == 303 and status(live.engine, "roller-och-ansvar") == ItemStatus.DONE


def test_the_problem_page_refuses_an_empty_est_source_and_offers_the_lagesbild_documents(live: Live) -> None:
    d = Driver(live.engine, "fagersta", today_local())
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum", area="Centrum",
                category="skadegörelse")  # fmt: skip
    maria, johan = live.login(SAMORDNARE), live.login(KOMMUNPOLIS)
    roles = item_id(live.engine, "roller-och-ansvar")  # an Initiera item's file supports no problem
    token = csrf_of(johan.get(f"/org/fagersta/punkt/{roles}").text)
    johan.post(f"/org/fagersta/punkt/{roles}", data={"csrf_token": token, "title": "Roller"},
               files={"file": ("roller.pdf", b"%PDF-1.4\n% roller\n", "application/pdf")})  # fmt: skip
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))
    own = item_id(live.engine, "kommunens-lagesbild")
    token = csrf_of(maria.get(f"/org/fagersta/punkt/{own}").text)
    kept = maria.post(f"/org/fagersta/punkt/{own}", data={"csrf_token": token, "title": "Kommunens lägesbild"},
                      files={"file": ("lagesbild.pdf", b"%PDF-1.4\n% lagesbild\n", "application/pdf")})  # fmt: skip
    assert kept.status_code == 303, kept.text
    with Session(live.engine) as session:
        uploads = {u.filename: u.id for u in session.exec(select(Upload)).all()}
    page = maria.get(f"/org/fagersta/problem/{problem.id}").text
    offered = re.search(r'<select id="upload_id" name="upload_id">(.*?)</select>', page, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r'<option value="(\d*)">', offered) == ["", str(uploads["lagesbild.pdf"])]
    assert "Dokument som laddats upp som bevis i fasen Lägesbild i den här cykeln." in text(page)
    token = csrf_of(page)
    wrong = maria.post(f"/org/fagersta/problem/{problem.id}/kalla", data={
        "csrf_token": token, "kind": "dokument", "upload_id": str(uploads["roller.pdf"]),
    })  # fmt: skip
    assert wrong.status_code == 422
    assert "välj ett dokument som laddats upp som bevis i fasen Lägesbild i den pågående cykeln" in text(wrong.text)
    empty = maria.post(f"/org/fagersta/problem/{problem.id}/kalla", data={
        "csrf_token": token, "kind": "est_aggregat", "est_category": "Skadegörelse", "est_area": "Centrum",
    })  # fmt: skip
    assert empty.status_code == 422
    assert "EST-gruppen har inga rapporter om Skadegörelse i Centrum; en källa utan innehåll stödjer inte" in (
        text(empty.text)
    )
    right = maria.post(f"/org/fagersta/problem/{problem.id}/kalla", data={
        "csrf_token": token, "kind": "dokument", "upload_id": str(uploads["lagesbild.pdf"]),
    })  # fmt: skip
    assert right.status_code == 303
    assert "Dokument: lagesbild.pdf" in maria.get(f"/org/fagersta/problem/{problem.id}").text
