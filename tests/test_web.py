"""The web app over real HTTP (uvicorn on loopback) on SQLite and PostgreSQL: login, sessions, CSRF, rate
limiting, permissions, completing with an uploaded document, invitations by real SMTP, signing, EST, the
personal calendar and the API."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.labels import day_text
from samverkan.core.timeutil import today_local, utcnow
from samverkan.database import session_scope
from samverkan.models import ChecklistItem, EstObservation, Evidence, LoginAttempt, Notification, Upload
from samverkan.models.enums import ItemStatus, NotificationStatus
from samverkan.services.sweep import sweep
from samverkan.web.pages import router
from tests.drive import KOMMUNPOLIS, LPO_CHEF, SAMORDNARE, Driver, agree_on, promise_text
from tests.live import EST_SKOLA, KOMMUNIKATOR, KSO, PASSWORD, Live, csrf_of, fagersta_for_web, live_server
from tests.receivers import SmtpServer


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def item_id(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        return session.exec(select(ChecklistItem.id).where(ChecklistItem.key == key)).one()  # type: ignore[return-value]


def test_login_page_is_swedish_and_sets_security_headers(live: Live) -> None:
    page = live.client().get("/logga-in")
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text and "<h1>Logga in</h1>" in page.text
    assert '<label for="email">E-postadress</label>' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "samverkan_csrf=" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
    assert live.client().get("/mitt-arbete").headers["location"] == "/logga-in?nasta=/mitt-arbete"


def test_the_icon_is_linked_and_answers_at_favicon_ico(live: Live) -> None:
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in live.client().get("/logga-in").text
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = live.client().get(path)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml"), path
        assert icon.content.startswith(b"<svg") and b"#0b5394" in icon.content


def test_wrong_passwords_are_rate_limited_by_address(live: Live) -> None:
    client = live.client()
    token = csrf_of(client.get("/logga-in").text)
    for _ in range(5):
        wrong = client.post("/logga-in", data={"email": SAMORDNARE, "password": "fel-lösenord-x", "csrf_token": token})
        assert wrong.status_code == 401 and "Fel e-postadress eller lösenord." in wrong.text
    right = client.post("/logga-in", data={"email": SAMORDNARE, "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429 and "För många misslyckade inloggningar" in right.text
    assert "samverkan_session" not in right.headers.get("set-cookie", "")
    with Session(live.engine) as session:
        attempts = session.exec(select(LoginAttempt).where(LoginAttempt.email == SAMORDNARE)).all()
    assert [a.ok for a in attempts] == [False] * 5  # the refused sixth never reached the password check
    # another person from the same client is not locked out by Maria's failures
    assert live.login(KOMMUNPOLIS).get("/mitt-arbete").status_code == 200


def test_login_without_csrf_token_is_refused(live: Live) -> None:
    answer = live.client().post("/logga-in", data={"email": SAMORDNARE, "password": PASSWORD})
    assert answer.status_code == 403 and "säkerhetstoken" in answer.text


def test_every_form_refuses_a_post_without_its_csrf_token(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    paths = sorted({r.path for r in router.routes if "POST" in getattr(r, "methods", set())})  # type: ignore[attr-defined]
    assert len(paths) >= 15
    for path in paths:
        filled = re.sub(r"\{key\}", "fagersta", re.sub(r"\{\w+_id\}", "1", path)).replace("{secret}", "x")
        answer = maria.post(filled, data={"title": "x", "reason": "x", "email": SAMORDNARE})
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert answer.status_code == 404 or "säkerhetstoken" in answer.text, path
    with Session(live.engine) as session:
        assert session.exec(select(ChecklistItem).where(ChecklistItem.status == ItemStatus.DONE)).all() == []


def test_my_work_lists_due_and_overdue_items_across_organisations(live: Live) -> None:
    work = live.login(SAMORDNARE).get("/mitt-arbete")
    assert work.status_code == 200
    assert "Fagersta kommun" in work.text and "Brottsförebyggande samordnare" in work.text
    assert "Initiera samverkan" in work.text
    assert f"klart senast {day_text(today_local() + timedelta(3))}" in work.text
    assert "ansvarig: Brottsförebyggande samordnare" in work.text and "ansvarig: samordnare" not in work.text
    kso = live.login(KSO)
    text = kso.get("/mitt-arbete").text  # a draft without content: the signature is owed later, not offered now
    assert "Underskrift senare: Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten" in text
    assert "när innehållet är komplett (det saknas: revisionsdatum, minst ett prioriterat problem" in text
    assert "Skriv under: Samverkansöverenskommelse" not in text
    agree_on(Driver(live.engine, "fagersta", today_local()))
    text = kso.get("/mitt-arbete").text
    assert "Skriv under: Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten" in text
    assert "Underskrift senare: Samverkansöverenskommelse" not in text


def test_completing_with_an_uploaded_document_stops_the_reminder(live: Live) -> None:
    with session_scope(live.engine) as session:
        sweep(session, utcnow(), org_keys=["fagersta"], kinds=["item_deadline"])
    roles_item = item_id(live.engine, "roller-och-ansvar")
    with Session(live.engine) as session:
        reminders = session.exec(select(Notification).where(Notification.related_id == roles_item)).all()
    assert reminders and all(n.status == NotificationStatus.PENDING for n in reminders)

    johan = live.login(KOMMUNPOLIS)  # the item is the kommunpolis's
    form = johan.get(f"/org/fagersta/punkt/{roles_item}")
    assert form.status_code == 200 and 'type="file"' in form.text
    document = b"%PDF-1.4\n% Roller och ansvar i Fagersta\n"
    done = johan.post(
        f"/org/fagersta/punkt/{roles_item}",
        data={"csrf_token": johan.csrf, "title": "Roller och ansvar, fastställt"},  # type: ignore[attr-defined]
        files={"file": ("roller.pdf", document, "application/pdf")},
    )
    assert done.status_code == 303, done.text
    assert "är klar" in johan.get(done.headers["location"]).text
    with Session(live.engine) as session:
        reminders = session.exec(select(Notification).where(Notification.related_id == roles_item)).all()
        evidence = session.exec(select(Evidence).where(Evidence.checklist_item_id == roles_item)).one()
        upload = session.exec(select(Upload)).one()
    assert {(n.status, n.last_error) for n in reminders} == {(NotificationStatus.CANCELLED, "stoppad: punkten är klar")}
    assert evidence.uri == f"/org/fagersta/filer/{upload.id}" and upload.size == len(document)
    assert johan.get(evidence.uri).content == document
    log = live.login(SAMORDNARE).get("/org/fagersta/leveranser").text
    assert "stoppad: punkten är klar" in log
    assert live.login(EST_SKOLA).get(evidence.uri).status_code == 200  # members of the organisation may read it
    # the same item again, from another session: it is done already
    again = live.login(KOMMUNPOLIS)
    second = again.post(
        f"/org/fagersta/punkt/{roles_item}",
        data={"csrf_token": again.csrf, "title": "x", "uri": "K 2026/1"},  # type: ignore[attr-defined]
    )
    assert second.status_code == 409 and "redan" in second.text


def test_a_member_without_the_role_is_refused_and_nothing_changes(live: Live) -> None:
    erik = live.login(EST_SKOLA)
    target = item_id(live.engine, "roller-och-ansvar")
    refused = erik.post(
        f"/org/fagersta/punkt/{target}",
        data={"csrf_token": erik.csrf, "title": "Roller", "uri": "K 2026/1"},  # type: ignore[attr-defined]
    )
    assert refused.status_code == 403
    assert "Erik Lärare" in refused.text and "får inte markera" in refused.text
    assert erik.get("/org/fagersta/leveranser").status_code == 403
    with Session(live.engine) as session:
        assert session.get(ChecklistItem, target).status == ItemStatus.OPEN  # type: ignore[union-attr]


def test_a_person_sees_only_organisations_where_they_hold_a_role(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    assert maria.get("/org/umea/cykel").status_code == 404
    with session_scope(live.engine) as session:
        from samverkan.models import Organisation

        county = session.exec(select(Organisation).where(Organisation.kind == "lansstyrelse")).first()
    assert county is not None
    refused = maria.get(f"/org/{county.key}/cykel")
    assert refused.status_code in (403, 404)


def test_an_incomplete_text_offers_no_signing_and_a_posted_signature_is_refused(live: Live) -> None:
    karin = live.login(KSO)
    for page, what, missing in (
        ("overenskommelse", "agreement", ["revisionsdatum", "minst ett prioriterat problem"]),
        ("medborgarloften", "promise", ["löftets text", "minst en aktivitet"]),
    ):
        html = karin.get(f"/org/fagersta/{page}").text
        assert "Skriv under för" not in html and 'name="content_hash"' not in html  # no button that can only fail
        assert "Texten kan inte skrivas under förrän innehållet är komplett.</strong> Det saknas:" in html
        assert "".join(f"<li>{m}</li>" for m in missing) in html
        digest = re.search(r'<code class="hash">([0-9a-f]{64})</code>', html).group(1)  # type: ignore[union-attr]
        form = {"csrf_token": karin.csrf, "what": what, "content_hash": digest, "confirmed": "true"}  # type: ignore[attr-defined]
        refused = karin.post(f"/org/fagersta/{page}/underskrift", data=form)
        assert refused.status_code == 422
        assert (
            "kan inte skrivas under förrän innehållet är komplett. Det saknas:\n"
            + "\n".join(f"  - {m}" for m in missing)
            in refused.text
        )
    assert "Läs texten och skriv under" not in karin.get("/org/fagersta/beslut").text
    d = Driver(live.engine, "fagersta", today_local())
    agree_on(d)
    promise_text(d)
    for page in ("overenskommelse", "medborgarloften"):
        html = karin.get(f"/org/fagersta/{page}").text
        assert "Skriv under för Fagersta kommun" in html and "Texten kan inte skrivas under" not in html
    assert "Läs texten och skriv under för Fagersta kommun" in karin.get("/org/fagersta/beslut").text


def test_signing_as_one_party_leaves_the_agreement_pending(live: Live) -> None:
    agree_on(Driver(live.engine, "fagersta", today_local()))
    karin = live.login(KSO)
    text = karin.get("/org/fagersta/overenskommelse").text
    digest = re.search(r'name="content_hash" value="([0-9a-f]{64})"', text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": karin.csrf, "what": "agreement", "content_hash": digest}  # type: ignore[attr-defined]
    unconfirmed = karin.post("/org/fagersta/underskrift", data=form)
    assert unconfirmed.status_code == 422 and "bekräfta att du har läst texten" in unconfirmed.text
    signed = karin.post("/org/fagersta/underskrift", data={**form, "confirmed": "true"})
    assert signed.status_code == 303
    page = karin.get("/org/fagersta/beslut").text
    assert "Väntar på: <strong>Lokalpolisområde Norra Västmanland</strong>" in page
    assert "väntar på underskrift" in page.lower()
    twice = karin.post("/org/fagersta/underskrift", data={**form, "confirmed": "true"})
    assert twice.status_code == 409
    per = live.login(LPO_CHEF)
    stale = {**form, "csrf_token": per.csrf, "content_hash": "0" * 64, "confirmed": "true"}  # type: ignore[attr-defined]
    refused = per.post("/org/fagersta/overenskommelse/underskrift", data=stale)
    assert refused.status_code == 422 and "har ändrats sedan du läste den" in refused.text
    per.post("/org/fagersta/overenskommelse/underskrift", data={**stale, "content_hash": digest})
    assert "undertecknad av alla parter" in per.get("/org/fagersta/beslut").text


def test_invitation_arrives_by_smtp_and_sets_a_password_once(live: Live, smtp_settings: SmtpServer) -> None:
    maria = live.login(SAMORDNARE)
    sent = maria.post("/org/fagersta/bjud-in", data={"csrf_token": maria.csrf, "email": KOMMUNIKATOR})  # type: ignore[attr-defined]
    assert sent.status_code == 303
    deadline = time.monotonic() + 20
    while not smtp_settings.to(KOMMUNIKATOR):
        assert time.monotonic() < deadline, "no invitation arrived"
        time.sleep(0.1)
    (mail,) = smtp_settings.to(KOMMUNIKATOR)
    assert str(mail["Subject"]) == "Inbjudan till Samverkan"
    link = re.search(r"(http://127\.0\.0\.1:\d+/inbjudan/[\w-]+)", SmtpServer.text(mail)).group(1)  # type: ignore[union-attr]
    path = link.removeprefix(live.url)
    lena = live.client()
    form = lena.get(path)
    assert form.status_code == 200 and "lena.kommunikator@fagersta.example" in form.text
    token = csrf_of(form.text)
    weak = lena.post(path, data={"csrf_token": token, "password": "kort", "password2": "kort"})
    assert weak.status_code == 422 and "minst 12 tecken" in weak.text
    chosen = "Trygghet-i-Fagersta-77"
    ok = lena.post(path, data={"csrf_token": token, "password": chosen, "password2": chosen})
    assert ok.status_code == 303
    assert live.login(KOMMUNIKATOR, chosen).get("/mitt-arbete").status_code == 200
    assert lena.get(path).status_code == 404  # used once


def test_est_observation_from_the_form_and_the_suppressed_picture(live: Live) -> None:
    erik = live.login(EST_SKOLA)
    form = erik.get("/org/fagersta/est")
    assert form.status_code == 200 and 'name="viewport"' in form.text
    data = {"csrf_token": erik.csrf, "category": "klotter", "area": "Centrum", "source_function": "skola", "count": "2"}  # type: ignore[attr-defined]
    assert erik.post("/org/fagersta/est", data=data).status_code == 303
    assert "<td>klotter</td><td>&lt;3</td>" in erik.get("/org/fagersta/est").text
    personal = {**data, "text": "Kalle 19850101-1238 sprayade"}
    refused = erik.post("/org/fagersta/est", data=personal)
    assert refused.status_code == 422 and "personnummer" in refused.text.lower()
    assert 'value="Centrum"' in refused.text  # what was typed is kept
    with Session(live.engine) as session:
        assert len(session.exec(select(EstObservation)).all()) == 1


def test_personal_calendar_link_is_secret_and_revocable(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    page = maria.post("/konto/kalender", data={"csrf_token": maria.csrf})  # type: ignore[attr-defined]
    link = re.search(r'id="kalenderlank">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    feed = live.client().get(link.removeprefix(live.url))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR") and "SUMMARY:" in feed.text
    assert maria.get("/konto").text.count(link) == 0  # shown once only
    maria.post("/konto/kalender/aterkalla", data={"csrf_token": maria.csrf})  # type: ignore[attr-defined]
    assert live.client().get(link.removeprefix(live.url)).status_code == 404


def test_api_with_a_personal_key(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    page = maria.post("/konto/api-nyckel", data={"csrf_token": maria.csrf, "label_text": "test"})  # type: ignore[attr-defined]
    key = re.search(r'id="apinyckel">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    api = live.client()
    assert api.get("/api/v1/mitt-arbete").status_code == 401
    assert maria.get("/api/v1/mitt-arbete").status_code == 401  # a session cookie does not count
    headers = {"Authorization": f"Bearer {key}"}
    work = api.get("/api/v1/mitt-arbete", headers=headers).json()
    assert work["organisations"][0]["key"] == "fagersta"
    state = api.get("/api/v1/organisationer/fagersta/cykel", headers=headers).json()
    assert state["number"] == 1 and state["current_phase"] == "Initiera samverkan"
    assert {"id", "title", "owners", "status", "evidence"} <= set(state["phases"][0]["items"][0])
    target = item_id(live.engine, "kommunikationsplan")
    done = api.post(
        f"/api/v1/organisationer/fagersta/punkter/{target}/klar",
        headers=headers,
        json={"title": "Kommunikationsplan påbörjad", "uri": "K 2026/12"},
    )
    assert done.status_code == 200, done.text
    refused = api.post(
        f"/api/v1/organisationer/fagersta/punkter/{target}/klar", headers=headers, json={"title": "igen", "uri": "x"}
    )
    assert refused.status_code == 409 and "redan" in refused.json()["fel"]
    schema = api.get("/api/openapi.json").json()
    assert "/api/v1/organisationer/{key}/underskrifter" in schema["paths"]
    assert not [p for p in schema["paths"] if not p.startswith("/api/")]  # pages are not in the API description


def test_a_form_with_bad_input_is_refused_in_swedish_naming_the_field(live: Live) -> None:
    erik = live.login(EST_SKOLA)
    data = {"csrf_token": erik.csrf, "category": "klotter", "area": "Torget", "source_function": "skola"}  # type: ignore[attr-defined]
    data["count"] = "två"
    refused = erik.post("/org/fagersta/est", data=data)
    assert refused.status_code == 422
    assert "Uppgifterna i formuläret är inte giltiga" in refused.text and "Antal: ska vara ett heltal" in refused.text
    assert 'value="Torget"' in refused.text  # what was typed is kept
    maria = live.login(SAMORDNARE)
    reopen = maria.post("/org/fagersta/cykel/omtag", data={"csrf_token": maria.csrf, "phase_key": "initiera"})  # type: ignore[attr-defined]
    assert reopen.status_code == 422 and "Skäl: obligatoriskt fält saknas" in reopen.text
    with Session(live.engine) as session:
        assert session.exec(select(EstObservation)).all() == []


def test_a_refusal_on_a_page_that_lists_problems_shows_only_the_swedish_message(live: Live) -> None:
    """The agreement page's own `problems` (the cycle's prioritised problems) are not the error's details: a
    refused change shows the refusal, never the page's rows as Python objects."""
    agree_on(Driver(live.engine, "fagersta", today_local()))  # a prioritised problem the page lists
    maria = live.login(SAMORDNARE)
    data = {"csrf_token": maria.csrf, "period_start": "2027-06-01", "period_end": "2027-01-01"}  # type: ignore[attr-defined]
    refused = maria.post("/org/fagersta/overenskommelse/villkor", data=data)
    assert refused.status_code == 422
    alert = refused.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "perioden slutar (2027-01-01) innan den börjar (2027-06-01)" in alert
    assert "<ul>" not in alert and "Problem(" not in refused.text and "datetime.datetime" not in refused.text


def test_a_bad_address_is_a_page_that_does_not_exist_and_names_no_other_organisation(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    for url in ("/org/fagersta/problem/abc", "/org/fagersta/punkt/12x"):
        missing = maria.get(url)
        assert missing.status_code == 404 and "Sidan finns inte" in missing.text, url
        assert "formuläret" not in missing.text and "problem_id" not in missing.text
    unknown = maria.get("/org/umea/oversikt")
    assert unknown.status_code == 404 and "organisationen &#39;umea&#39; finns inte" in unknown.text
    assert "inlästa" not in unknown.text and "fagersta," not in unknown.text


def test_the_api_takes_the_same_input_models_as_the_pages(live: Live) -> None:
    maria = live.login(SAMORDNARE)
    page = maria.post("/konto/api-nyckel", data={"csrf_token": maria.csrf, "label_text": "test"})  # type: ignore[attr-defined]
    key = re.search(r'id="apinyckel">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {key}"}
    api = live.client()
    schema = api.get("/api/openapi.json").json()["components"]["schemas"]
    assert {"EvidenceInput", "RecordDecision", "Signing", "MeasureReport", "Observation"} <= set(schema)
    assert schema["Observation"]["properties"]["area"]["title"] == "Område"
    seen = api.post(  # the only EST group and today, as on the page
        "/api/v1/organisationer/fagersta/est/observationer",
        headers=headers,
        json={"category": "klotter", "area": "Centrum", "source_function": "samordnare", "count": 2},
    )
    assert seen.status_code == 201, seen.text
    assert seen.json()["observed_on"] == today_local().isoformat()
    bad = api.post(
        "/api/v1/organisationer/fagersta/est/observationer",
        headers=headers,
        json={"category": "klotter", "area": "Centrum", "source_function": "x", "count": -1, "extra": 1},
    )
    assert bad.status_code == 422
    assert set(bad.json()["saknas"]) == {"body.count: ska vara minst 1 (fick -1)", "body.extra: okänd nyckel"}
    nul = {"body_key": "styrgrupp\x00", "title": "Beslut", "text": "Text"}  # no database keeps a NUL in text
    refused_nul = api.post("/api/v1/organisationer/fagersta/beslut", headers=headers, json=nul)
    assert refused_nul.status_code == 422 and "NUL" in refused_nul.json()["saknas"][0]
    refused = live.login(EST_SKOLA).get("/org/fagersta/leveranser")
    assert refused.status_code == 403 and "för samordnaren och kommunpolisen" in refused.text
