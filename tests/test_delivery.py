"""Delivery through Apprise to a real SMTP server and a real HTTP receiver on loopback."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.main import app
from samverkan.database import session_scope
from samverkan.models import DeliveryAttempt, Notification
from samverkan.models.enums import NotificationStatus
from samverkan.notifications.delivery import deliver_pending
from samverkan.notifications.retry import max_attempts
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_text
from samverkan.services import cycle, handover
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNDIREKTOR, KOMMUNPOLIS, SAMORDNARE, Driver, decided, doc, run_until_killed
from tests.receivers import JsonReceiver, SmtpServer

STHLM = ZoneInfo("Europe/Stockholm")
MARIA, JOHAN, NADJA = SAMORDNARE, KOMMUNPOLIS, "nadja.nyval@fagersta.example"


def at(day: date, hour: int = 8, minute: int = 30) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STHLM)


def fagersta_text(extra_routes: dict[str, str] | None = None, extra_yaml: str = "") -> str:
    """Fagersta without its SMS and Teams routes (no such services here), plus loopback routes and settings."""
    text = (EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8")
    start = text.index('    contacts:\n      - url: "46elks://')
    text = text[:start] + text[text.index("  - {key: johan") :]
    start = text.index('    contacts:\n      - url: "workflows://')
    text = text[:start] + text[text.index("\ncadences:") :]
    for key, url in (extra_routes or {}).items():
        if key == "maria":  # written as a block in the example
            text = text.replace(
                '    phone: "+46 70 000 01 01"\n', f'    phone: "+46 70 000 01 01"\n    contacts: ["{url}"]\n'
            )
            continue
        line = next(line for line in text.splitlines() if line.startswith(f"  - {{key: {key},"))
        text = text.replace(line, line.rstrip("}") + f', contacts: ["{url}"]}}')
    return text.replace("\nagreement:", f"\n{extra_yaml}\nagreement:") if extra_yaml else text


def fagersta(engine: Engine, extra_routes: dict[str, str] | None = None, extra_yaml: str = "") -> Driver:
    with session_scope(engine) as session:
        result = validate_text(fagersta_text(extra_routes, extra_yaml), "fagersta.yaml")
        assert result.ok, [str(i) for i in result.issues]
        load_config(session, result)
    return Driver(engine, "fagersta", date(2027, 1, 11))


def subjects(server: SmtpServer, address: str) -> list[str]:
    return [str(message["Subject"]) for message in server.to(address)]


def test_done_items_stop_reminders_escalations_and_new_phases_reach_smtp(
    engine: Engine, smtp_settings: SmtpServer
) -> None:
    f = fagersta(engine)
    f(handover.handover, SAMORDNARE, role_key="kso", to_email=NADJA, to_name="Nadja Nyval", starts_on=date(2027, 1, 1))
    f(cycle.start_cycle, SAMORDNARE)
    for item in ("roller-och-ansvar", "kommunikationsplan"):
        f(cycle.set_deadline, KOMMUNDIREKTOR, item, date(2027, 2, 1))
    with session_scope(engine) as session:  # the day-before reminder of Monday's deadline: Friday, not Sunday
        sweep(session, at(date(2027, 1, 29), 6), kinds=["item_deadline"], lookback_days=0)
    with Session(engine) as session:
        pending = session.exec(select(Notification).where(Notification.status == NotificationStatus.PENDING)).all()
    assert len(pending) == 4  # phase opened (2) and one reminder for each of the two items
    # done before the reminder goes out: the completion itself takes the reminder off the outbox
    f(cycle.complete_item, JOHAN, "roller-och-ansvar", doc("Roller"))
    report = deliver_pending(engine, at(date(2027, 2, 1)))
    assert report.cancelled == 0 and report.sent == 3
    assert any(s.startswith("Påminnelse: 'Kommunikationsansvarig är utsedd") for s in subjects(smtp_settings, MARIA))
    assert not [s for s in subjects(smtp_settings, JOHAN) if s.startswith("Påminnelse")]
    with Session(engine) as session:
        stopped = session.exec(select(Notification).where(Notification.status == NotificationStatus.CANCELLED)).one()
    assert stopped.last_error == "stoppad: punkten är klar" and stopped.role_key == "kommunpolis"

    with session_scope(engine) as session:  # three days overdue: the styrgrupp's chair hears of it
        sweep(session, at(date(2027, 2, 4), 6), kinds=["item_deadline"], lookback_days=0)
    deliver_pending(engine, at(date(2027, 2, 4)))
    (escalation,) = smtp_settings.to(NADJA)  # sends run in parallel: find messages by recipient, not by order
    assert str(escalation["Subject"]).startswith("Försenat: 'Kommunikationsansvarig är utsedd")
    assert "Till kommunstyrelsens ordförande i Fagersta kommun" in SmtpServer.text(escalation)
    assert str(escalation["X-Samverkan-Id"]).startswith("fagersta:item:")

    f(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(f.decision("Samverkan")))
    f(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(f.decision("Organisation")))
    f(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Plan"))
    deliver_pending(engine, at(date(2027, 1, 12)))  # the acts happened on 11 January (the driver's day)
    for who in (MARIA, JOHAN):
        assert "Ny fas: Lägesbild har öppnats" in subjects(smtp_settings, who)


def test_a_receiver_down_then_up_gets_everything_once(
    engine: Engine, smtp_settings: SmtpServer, json_receiver: JsonReceiver
) -> None:
    f = fagersta(engine, {"maria": json_receiver.url("maria")})
    f(cycle.start_cycle, SAMORDNARE)  # the new phase's owners get a message: e-mail and, for Maria, JSON
    json_receiver.fail_next = 1
    smtp_settings.stop()
    now = at(date(2027, 1, 14), 9)  # a Thursday, three days after the cycle started (the driver's day)
    first = deliver_pending(engine, now)
    assert first.retrying == 2 and first.sent == 0
    smtp_settings.start()
    second = deliver_pending(engine, now + timedelta(minutes=2))
    assert second.sent == 2
    assert len(smtp_settings.to(MARIA)) == 1 and len(smtp_settings.to(JOHAN)) == 1
    assert len(json_receiver.posts) == 1 and json_receiver.posts[0]["title"].startswith("Ny fas: Initiera")
    third = deliver_pending(engine, now + timedelta(hours=2))
    assert third.sent == 0 and len(smtp_settings.received) == 2 and len(json_receiver.posts) == 1
    with Session(engine) as session:
        attempts = session.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [a.ok for a in attempts if a.route.startswith("json")] == [False, True]
    assert all("fagersta.example" not in a.route or a.route.startswith("mailto://127.0.0.1") for a in attempts)


def test_what_keeps_failing_goes_to_the_coordinator(engine: Engine, smtp_settings: SmtpServer) -> None:
    from tests.receivers import free_port

    dead = f"json://127.0.0.1:{free_port()}/johan"
    f = fagersta(engine, {"johan": dead})
    f(cycle.start_cycle, SAMORDNARE)
    now = at(date(2027, 1, 12))
    for _ in range(max_attempts()):  # the whole default schedule: more than a day
        deliver_pending(engine, now)
        with Session(engine) as session:
            retry_at = session.exec(select(Notification.next_attempt_at).where(Notification.attempts > 0)).all()
        now = max(t for t in retry_at if t is not None)
    assert now - at(date(2027, 1, 12)) > timedelta(hours=24)
    with Session(engine) as session:
        failed = session.exec(select(Notification).where(Notification.status == NotificationStatus.FAILED)).one()
        assert failed.attempts == max_attempts() == 9 and "json://127.0.0.1" in (failed.last_error or "")
    deliver_pending(engine, now)
    problem = smtp_settings.to(MARIA)[-1]
    assert str(problem["Subject"]) == "Leveransproblem: 1 meddelande kom inte fram"
    assert "- 'Ny fas: Initiera samverkan har öppnats' till Johan Prövare (9 försök): json://127.0.0.1/…" in (
        SmtpServer.text(problem)
    )
    assert len(smtp_settings.to(JOHAN)) == 1  # his e-mail went out once; only the JSON route kept failing


def test_killed_between_sending_and_marking(engine: Engine, smtp_settings: SmtpServer, db_url: str) -> None:
    f = fagersta(engine)
    f(cycle.start_cycle, SAMORDNARE)
    script = (
        "import os, signal\n"
        "from datetime import datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "import samverkan.notifications.delivery as delivery\n"
        "from samverkan.database import make_engine\n"
        "original = delivery.send_one\n"
        "def send_then_die(*args):\n"
        "    result = original(*args)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # accepted by the server, not yet recorded\n"
        "delivery.send_one = send_then_die\n"
        "when = datetime(2027, 1, 12, 8, 30, tzinfo=ZoneInfo('Europe/Stockholm'))\n"
        f"delivery.deliver_pending(make_engine({db_url!r}), when, workers=1)\n"
    )
    run_until_killed(script)
    assert len(smtp_settings.received) == 1
    with Session(engine) as session:
        claimed = session.exec(select(Notification).where(Notification.status == NotificationStatus.SENDING)).all()
    assert len(claimed) == 2  # the batch, claimed (and committed) in one statement before anything was sent
    first_key = smtp_settings.received[0][1]["X-Samverkan-Id"]
    held = deliver_pending(engine, at(date(2027, 1, 12), 8, 40))  # claims hold: nothing is sent twice
    assert held.sent == 0 and len(smtp_settings.received) == 1
    later = deliver_pending(engine, at(date(2027, 1, 12), 9, 0))  # the claims expired: the one in flight again
    assert later.reclaimed == 2 and later.sent == 2
    copies = [m for _, m in smtp_settings.received if m["X-Samverkan-Id"] == first_key]
    assert len(copies) == 2  # at-least-once: the one possible duplicate carries the same idempotency key
    assert len({m["Message-ID"] for m in copies}) == 1 and len(copies[0].get_all("Message-ID")) == 1
    assert copies[0]["Message-ID"].endswith("@fagersta.example>")  # the SMTP route's from= domain
    assert len(smtp_settings.received) == 3


def test_nothing_on_weekends_unless_urgent(engine: Engine, smtp_settings: SmtpServer) -> None:
    f = fagersta(engine)
    f(cycle.start_cycle, SAMORDNARE)
    saturday = at(date(2027, 1, 16), 10)
    assert deliver_pending(engine, saturday).postponed == 2
    with Session(engine) as session:
        held = session.exec(select(Notification)).all()
    assert {n.not_before for n in held} == {at(date(2027, 1, 18), 8, 0)}
    assert smtp_settings.received == []
    result = CliRunner().invoke(
        app,
        [
            "notify",
            "test",
            "samordnare",
            "--org",
            str(EXAMPLES / "fagersta.yaml"),
            "--db",
            str(engine.url.render_as_string(hide_password=False)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{MARIA}: skickat (mailto://127.0.0.1/…)")
    assert subjects(smtp_settings, MARIA) == ["Test från Samverkan – Brottsförebyggande samordnare"]


def test_secrets_reach_the_receiver_but_never_the_database(
    engine: Engine, json_receiver: JsonReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "hemlig-token-123")
    f = fagersta(engine, {"maria": json_receiver.url("maria") + "?+X-Token=${HOOK_TOKEN}"})
    f(cycle.start_cycle, SAMORDNARE)
    deliver_pending(engine, at(date(2027, 1, 12)))
    assert json_receiver.headers[0]["X-Token"] == "hemlig-token-123"
    with engine.connect() as connection:
        dump = "\n".join(
            str(row)
            for table in ("notification", "delivery_attempt", "contact_route", "audit_log")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
        )
    assert "${HOOK_TOKEN}" in dump and "hemlig-token-123" not in dump


def test_outbox_lists_what_happened(engine: Engine, smtp_settings: SmtpServer) -> None:
    f = fagersta(engine)
    f(cycle.start_cycle, SAMORDNARE)
    deliver_pending(engine, at(date(2027, 1, 12)))
    url = str(engine.url.render_as_string(hide_password=False))
    listed = CliRunner().invoke(app, ["outbox", "fagersta", "--db", url])
    assert listed.exit_code == 0
    assert "skickad" in listed.stdout and "Ny fas: Initiera samverkan har öppnats" in listed.stdout
    assert CliRunner().invoke(app, ["outbox", "--status", "misslyckad", "--db", url]).stdout == "Utkorgen är tom.\n"


def test_a_daily_digest_instead_of_single_reminders(engine: Engine, smtp_settings: SmtpServer) -> None:
    f = fagersta(engine, extra_yaml="reminders:\n  before_days: [3]\n  digest: true\n")
    f(cycle.start_cycle, SAMORDNARE)
    for item in ("organisation-utsedd", "kommunikationsplan", "roller-och-ansvar"):
        f(cycle.set_deadline, KOMMUNDIREKTOR, item, date(2027, 2, 1))
    deliver_pending(engine, at(date(2027, 1, 11)))  # the phase notices
    with session_scope(engine) as session:
        assert sweep(session, at(date(2027, 1, 29), 6), kinds=["item_deadline"], lookback_days=0).to_dict()[
            "actions"
        ] == {"paminnelse-3": 3}  # the policy: 3 days before, not 7 and 1
    deliver_pending(engine, at(date(2027, 1, 29)))
    digest = [m for m in smtp_settings.to(MARIA) if "påminnelser" in str(m["Subject"])]
    assert [str(m["Subject"]) for m in digest] == ["Dagens påminnelser från Samverkan (2)"]
    body = SmtpServer.text(digest[0])
    assert "- Påminnelse: 'En gemensam samverkansorganisation" in body and "Kommunikationsansvarig" in body
    johan = [str(m["Subject"]) for m in smtp_settings.to(JOHAN)]  # arrival order across connections may vary
    assert [s for s in johan if "påminnelse" in s.lower()] == ["Dagens påminnelser från Samverkan (1)"], johan


def test_the_decision_packet_arrives_as_an_attachment(
    engine: Engine, smtp_settings: SmtpServer, tmp_path: object
) -> None:
    fagersta(engine)
    documents = tmp_path / "handlingar"  # type: ignore[operator]
    with session_scope(engine) as session:  # 5 working days before the direction decision on 11 March
        result = sweep(
            session, at(date(2027, 3, 4), 6), kinds=["direction_decision"], lookback_days=0, documents_dir=documents
        ).to_dict()
    assert result["actions"] == {"beslutsunderlag": 1}
    deliver_pending(engine, at(date(2027, 3, 4)))
    director = smtp_settings.to("eva.direktor@fagersta.example")
    assert [str(m["Subject"]) for m in director] == [
        "Beslutsunderlag: Inriktningsbeslut (kvartal) torsdag 11 mars kl. 13:00"
    ]
    attachments = list(director[0].iter_attachments())
    packet_name = "beslutsunderlag-inriktningsbeslut-2027-03-11-beslutsunderlag.pdf"
    assert [a.get_filename() for a in attachments] == [packet_name]
    pdf = PdfReader(io.BytesIO(attachments[0].get_payload(decode=True)))  # a real PDF that opens
    text = "\n".join(page.extract_text() for page in pdf.pages).replace("\u00a0", " ")
    assert 1 <= len(pdf.pages) <= 3
    for section in (
        "Beslutsunderlag",
        "Lokala BRÅ Fagersta",
        "Föredragningslista",
        "Indikatorer",
        "Förslag till beslut",
        "11 777",  # (the PDF text extraction may give the no-break space as a plain one)
    ):
        assert section in text, section
    assert f"Bifogat: {packet_name}" in SmtpServer.text(director[0])
    html = (documents / "fagersta" / packet_name.replace(".pdf", ".html")).read_text(encoding="utf-8")
    assert '<html lang="sv">' in html  # the HTML version stays beside it
    assert "11\u00a0777" in html  # a no-break space between thousands
    assert len(smtp_settings.received) == 7  # Lokala BRÅ's seven members; the KSO is vacant in 2027
