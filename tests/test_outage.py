"""Delivery through a long outage, with real receivers on loopback: an SMTP server and a JSON receiver that
really refuse connections while "down", driven through simulated hours by advancing `now`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.cli.main import app
from samverkan.core.ids import saved_id
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import session_scope
from samverkan.models import AuditEntry, Notification, Organisation, Person
from samverkan.models.enums import NotificationStatus
from samverkan.notifications.delivery import CLAIM_BATCH, DeliveryReport, deliver_pending
from samverkan.notifications.problems import NO_CASCADE
from samverkan.notifications.retry import parse_schedule, retry_schedule
from samverkan.orgconfig.routes import read_secrets_file
from tests.drive import SAMORDNARE, run_until_killed
from tests.live import EST_SKOLA, Live, fagersta_for_web, live_server
from tests.receivers import JsonReceiver, SmtpServer
from tests.test_delivery import at, fagersta

TUESDAY = date(2027, 1, 12)
TICK = timedelta(minutes=5)  # the delivery loop's housekeeping interval


def queue_messages(engine: Engine, count: int, now: datetime, tag: str = "a") -> None:
    """`count` plain messages in Fagersta's outbox, spread over its people (as the sweep would write them)."""
    with session_scope(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        people = session.exec(select(Person).where(col(Person.email).like("%@fagersta.example"))).all()
        for number in range(count):
            person = people[number % len(people)]
            session.add(
                Notification(
                    idempotency_key=f"fagersta:test:{tag}:{number}",
                    organisation_id=org.id or 0,
                    kind="meddelande",
                    person_id=person.id,
                    subject=f"Meddelande {tag}{number}",
                    body_text=f"Hej {person.name},\n\nMeddelande {tag}{number}.",
                    not_before=now,
                    created_at=now,
                )
            )


def run_passes(engine: Engine, start: datetime, end: datetime, reports: list[DeliveryReport]) -> datetime:
    now = start
    while now < end:
        reports.append(deliver_pending(engine, now))
        now += TICK
    return now


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(str(n.status) for n in session.exec(select(Notification)).all())


def digests(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.kind == NO_CASCADE)).all())


def keys_received(smtp: SmtpServer) -> Counter[str]:
    return Counter(str(message["X-Samverkan-Id"]) for _, message in smtp.received)


def test_six_hours_down_within_the_default_schedule_delivers_everything_once(
    engine: Engine, smtp_settings: SmtpServer, json_receiver: JsonReceiver
) -> None:
    fagersta(engine, {"maria": json_receiver.url("maria")})
    start = at(TUESDAY, 8, 0)
    queue_messages(engine, 60, start)
    smtp_settings.stop()
    json_receiver.stop()
    reports: list[DeliveryReport] = []
    now = run_passes(engine, start, start + timedelta(hours=6), reports)  # both receivers refuse for 6 hours
    assert sum(r.sent for r in reports) == 0 and sum(r.failed for r in reports) == 0
    smtp_settings.start()
    json_receiver.start()
    run_passes(engine, now, now + timedelta(hours=4), reports)
    assert statuses(engine) == {"skickad": 60}
    received = keys_received(smtp_settings)
    assert len(received) == 60 and set(received.values()) == {1}  # every message once, no copies
    maria = [p["title"] for p in json_receiver.posts]
    assert len(maria) == len(set(maria)) == len(smtp_settings.to(SAMORDNARE))  # her second route: once each
    assert digests(engine) == []  # nothing failed for good, so no problem reports at all
    with Session(engine) as session:
        tries = Counter(n.attempts for n in session.exec(select(Notification)).all())
    print(f"\n6 h outage, default schedule: {len(reports)} passes, attempts per message {dict(tries)}")


def test_an_outage_longer_than_the_schedule_one_digest_a_day_over_another_route_then_retry(
    engine: Engine, smtp_settings: SmtpServer, json_receiver: JsonReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMVERKAN_RETRY_SCHEDULE", "1m,5m,15m,1h")  # 81 minutes: today's old schedule
    get_settings.cache_clear()
    fagersta(engine, {"maria": json_receiver.url("maria")})
    start = at(TUESDAY, 8, 0)
    queue_messages(engine, 60, start)
    smtp_settings.stop()  # the SMTP server refuses for 6 hours; Maria's JSON route works
    reports: list[DeliveryReport] = []
    now = run_passes(engine, start, start + timedelta(hours=2), reports)
    queue_messages(engine, 10, now, tag="b")  # more trouble later the same day
    now = run_passes(engine, now, start + timedelta(hours=6), reports)
    assert statuses(engine) == {"misslyckad": 70, "skickad": 1}  # 70 failed for good; the one digest went out
    (first,) = digests(engine)
    assert first.subject == "Leveransproblem: 60 meddelanden kom inte fram" and first.person_id is not None
    assert [p["title"] for p in json_receiver.posts].count(first.subject) == 1  # over JSON, not the broken SMTP
    smtp_settings.start()
    run_passes(engine, now, now + timedelta(hours=1), reports)
    assert smtp_settings.received == []  # failed for good: nothing goes until someone re-queues it
    run_passes(engine, at(TUESDAY + timedelta(days=1), 8, 0), at(TUESDAY + timedelta(days=1), 8, 30), reports)
    second = [d for d in digests(engine) if d.id != first.id]
    assert [d.subject for d in second] == ["Leveransproblem: 10 meddelanden kom inte fram"]
    assert "Meddelande b3" in second[0].body_text and "Meddelande a3" not in second[0].body_text
    per_day = Counter((d.person_id, d.created_at.astimezone(STOCKHOLM).date()) for d in digests(engine))
    assert set(per_day.values()) == {1}

    url = str(engine.url.render_as_string(hide_password=False))
    retried = CliRunner().invoke(app, ["outbox", "retry", "fagersta", "--since", "2027-01-12", "--db", url])
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.startswith("70 meddelanden köade igen")
    run_passes(engine, at(TUESDAY + timedelta(days=1), 9, 0), at(TUESDAY + timedelta(days=1), 9, 30), reports)
    assert statuses(engine) == {"skickad": 72}
    received = keys_received(smtp_settings)
    assert len(received) == 70 and set(received.values()) == {1}  # the digests never took the broken route
    maria_keys = [h["X-Samverkan-Id"] for h in json_receiver.headers]
    assert len(maria_keys) == len(set(maria_keys))  # her JSON route got each message once, not again on retry
    print(
        f"\nlong outage, 81-minute schedule: 70 failed, {len(digests(engine))} digests (1 a day), "
        f"{sum(received.values())} e-mails after retry, 0 duplicates"
    )


def test_retry_by_id_and_by_kind_and_refusals(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    queue_messages(engine, 3, at(TUESDAY, 8, 0))
    with session_scope(engine) as session:
        for notification in session.exec(select(Notification)).all():
            notification.status, notification.attempts = NotificationStatus.FAILED, 9
            session.add(notification)
        first = session.exec(select(Notification).order_by(col(Notification.id))).first()
        assert first is not None and first.id is not None
        first.kind = "paminnelse-3"
        session.add(first)
        first_id = first.id
    url = str(engine.url.render_as_string(hide_password=False))
    cli = CliRunner()
    refused = cli.invoke(app, ["outbox", "retry", "--db", url])
    assert refused.exit_code == 1 and "ange vilka misslyckade meddelanden" in refused.stderr
    assert cli.invoke(app, ["outbox", "retry", "okand", "--kind", "x", "--db", url]).exit_code == 1
    by_kind = cli.invoke(app, ["outbox", "retry", "--kind", "paminnelse-3", "--json", "--db", url])
    assert by_kind.exit_code == 0 and f'"requeued": [\n    {first_id}\n  ]' in by_kind.stdout
    by_id = cli.invoke(app, ["outbox", "retry", "--id", str(first_id + 1), "--db", url])
    assert by_id.stdout == f"1 meddelande köade igen: {first_id + 1}\n"
    assert cli.invoke(app, ["outbox", "retry", "--id", str(first_id), "--db", url]).stdout == (
        "Inga misslyckade meddelanden matchade.\n"
    )
    assert statuses(engine) == {"vantar": 2, "misslyckad": 1}
    listed = cli.invoke(app, ["outbox", "fagersta", "--status", "misslyckad", "--db", url])
    assert listed.exit_code == 0 and "Meddelande a2" in listed.stdout
    assert deliver_pending(engine, at(TUESDAY, 9, 0)).sent == 2
    with Session(engine) as session:
        sent = session.exec(select(col(Notification.id)).where(Notification.attempts == 1)).all()
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).all()
    assert sorted(sent) == [first_id, first_id + 1]  # a fresh round of attempts
    assert [(a.actor, a.after) for a in audited] == [
        ("system:cli", {"notifications": [first_id], "kind": "paminnelse-3", "since": None}),
        ("system:cli", {"notifications": [first_id + 1], "kind": None, "since": None}),
    ]


def test_errors_are_captured_per_message_across_threads(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    queue_messages(engine, 40, at(TUESDAY, 8, 0))
    smtp_settings.refuse_recipients = True  # every RCPT answered 550: Apprise logs the recipient's address
    report = deliver_pending(engine, at(TUESDAY, 8, 0), workers=8)
    assert report.retrying == 40
    with Session(engine) as session:
        rows = session.exec(select(Notification, Person.email).join(Person)).all()
        addresses = {email for _, email in rows}
    wrong = [(n.id, n.last_error) for n, email in rows if email not in (n.last_error or "")]
    crossed = [n.id for n, email in rows if any(a in (n.last_error or "") for a in addresses - {email})]
    assert wrong == [] and crossed == []


def test_a_kill_between_send_and_record_resends_only_the_messages_in_flight(
    engine: Engine, smtp_settings: SmtpServer, db_url: str
) -> None:
    fagersta(engine)
    queue_messages(engine, 20, at(TUESDAY, 8, 0))
    script = (
        "import os, signal, threading\n"
        "from datetime import datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "import samverkan.notifications.delivery as delivery\n"
        "from samverkan.database import make_engine\n"
        "original, lock, sent = delivery.send_one, threading.Lock(), []\n"
        "def send_then_die(*args):\n"
        "    result = original(*args)\n"
        "    with lock:\n"
        "        sent.append(1)\n"
        "        if len(sent) == 10:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)  # the tenth accepted by the server, not yet recorded\n"
        "    return result\n"
        "delivery.send_one = send_then_die\n"
        "when = datetime(2027, 1, 12, 8, 0, tzinfo=ZoneInfo('Europe/Stockholm'))\n"
        f"delivery.deliver_pending(make_engine({db_url!r}), when, workers=4)\n"
    )
    run_until_killed(script)
    with Session(engine) as session:
        in_flight = session.exec(select(Notification).where(Notification.status == NotificationStatus.SENDING)).all()
    assert 10 <= len(in_flight) <= CLAIM_BATCH  # the claimed batch: what was sent since the last record, the rest
    deliver_pending(engine, at(TUESDAY, 8, 30))  # the claims expired: sent again only what was never recorded
    received = keys_received(smtp_settings)
    assert len(received) == 20 and statuses(engine) == {"skickad": 20}
    copies = {key: count for key, count in received.items() if count > 1}
    assert sum(copies.values()) - len(copies) <= len(in_flight)
    for key in copies:
        ids = {str(m["Message-ID"]) for _, m in smtp_settings.received if m["X-Samverkan-Id"] == key}
        assert len(ids) == 1  # a copy carries the original's Message-ID: the mail server can drop it
    print(f"\nkill after 10 sends: {len(in_flight)} claimed, not recorded; {sum(received.values()) - 20} resent")


def test_secrets_with_special_characters_reach_the_smtp_server_intact(
    engine: Engine, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "hemligheter.env"
    secrets.write_text(
        "# SMTP för Fagersta\n"
        'SMTP_USER="samverkan@fagersta.example"\n'
        "SMTP_PASSWORD='p@ss#1/:?&=%20 x' # the server's password\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SAMVERKAN_SECRETS_FILE", str(secrets))
    monkeypatch.setenv(
        "SAMVERKAN_SMTP_URL",
        f"mailto://${{SMTP_USER}}:${{SMTP_PASSWORD}}@127.0.0.1:{smtp.port}?from=samverkan@fagersta.example&mode=insecure",
    )
    get_settings.cache_clear()
    try:
        fagersta(engine)
        queue_messages(engine, 1, at(TUESDAY, 8, 0))
        assert deliver_pending(engine, at(TUESDAY, 8, 0)).sent == 1
    finally:
        get_settings.cache_clear()
    assert smtp.logins == [("samverkan@fagersta.example", "p@ss#1/:?&=%20 x")]
    assert len(smtp.received) == 1


def test_the_secrets_file_is_read_by_dotenv_rules(tmp_path: Path) -> None:
    secrets = tmp_path / "hemligheter.env"
    secrets.write_text(
        "# kommentar\n\n"
        'SMTP_PASSWORD="hemligt"\n'
        "SINGLE='p@ss#1 $HOME \\n'\n"
        'DOUBLE="rad1\\nrad2 \\"citat\\""\n'
        "export PLAIN=värde # kommentar efter\n"
        "HASH=a#b\n"
        "EMPTY=\n",
        encoding="utf-8",
    )
    assert read_secrets_file(str(secrets)) == {
        "SMTP_PASSWORD": "hemligt",
        "SINGLE": "p@ss#1 $HOME \\n",
        "DOUBLE": 'rad1\nrad2 "citat"',
        "PLAIN": "värde",
        "HASH": "a#b",
        "EMPTY": "",
    }
    secrets.write_text("OK=1\ndet här är ingen rad\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"hemligheter.env:2: raden ska vara NAMN=värde"):
        read_secrets_file(str(secrets))
    secrets.write_text("lower=1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":1: raden ska vara NAMN=värde"):
        read_secrets_file(str(secrets))


def test_the_retry_schedule_is_read_from_the_setting(
    engine: Engine, smtp_settings: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parse_schedule("1m, 5m,2h,1d,30s") == (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(hours=2),
        timedelta(days=1),
        timedelta(seconds=30),
    )
    assert sum(retry_schedule(), timedelta()) > timedelta(hours=24)  # the default outlasts a day
    fagersta(engine)
    queue_messages(engine, 2, at(TUESDAY, 8, 0))
    monkeypatch.setenv("SAMVERKAN_RETRY_SCHEDULE", "1m,fem minuter")
    get_settings.cache_clear()
    url = str(engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(app, ["deliver", "--db", url])
    assert result.exit_code == 1 and result.stderr == (
        "fel: SAMVERKAN_RETRY_SCHEDULE: 'fem minuter' är ingen väntetid; skriv t.ex. 1m,5m,15m,1h,2h,4h,8h,12h\n"
    )
    assert statuses(engine) == {"vantar": 2} and smtp_settings.received == []  # nothing claimed, nothing sent
    get_settings.cache_clear()


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer) -> Iterator[Live]:
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def post(client: Any, path: str) -> Any:
    """A button on a page: a form with nothing but the session's CSRF token."""
    return client.post(path, data={"csrf_token": client.csrf})


def test_coordinators_send_failed_messages_again_from_the_delivery_log(live: Live) -> None:
    queue_messages(live.engine, 3, at(TUESDAY, 8, 0))
    with session_scope(live.engine) as session:
        failed = session.exec(select(Notification).where(Notification.kind == "meddelande")).all()
        for notification in failed:
            notification.status, notification.attempts = NotificationStatus.FAILED, 9
            session.add(notification)
        first, second, third = (saved_id(n) for n in failed)
    refused = post(live.login(EST_SKOLA), f"/org/fagersta/leveranser/{first}/skicka-igen")
    assert refused.status_code == 403 and "för samordnaren och kommunpolisen" in refused.text
    maria = live.login(SAMORDNARE)
    log = maria.get("/org/fagersta/leveranser").text
    assert "Skicka alla misslyckade igen" in log and log.count(">Skicka igen</button>") == 3
    one = post(maria, f"/org/fagersta/leveranser/{first}/skicka-igen")
    assert one.status_code == 303 and one.headers["location"] == "/org/fagersta/leveranser"
    assert "1 meddelanden köas igen" in maria.get(one.headers["location"]).text
    again = post(maria, f"/org/fagersta/leveranser/{first}/skicka-igen")
    assert again.status_code == 422
    assert f"meddelande {first} har inte misslyckats; bara misslyckade skickas igen" in again.text
    assert post(maria, "/org/fagersta/leveranser/999999/skicka-igen").status_code == 404
    rest = post(maria, "/org/fagersta/leveranser/skicka-igen")
    assert rest.status_code == 303 and "2 meddelanden köas igen" in maria.get(rest.headers["location"]).text
    with Session(live.engine) as session:
        back = {n.id: n.status for n in session.exec(select(Notification)).all() if n.id in (first, second, third)}
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).all()
    assert set(back.values()) == {NotificationStatus.PENDING}
    assert [(a.actor, (a.after or {})["notifications"]) for a in audited] == [
        (SAMORDNARE, [first]),
        (SAMORDNARE, [second, third]),
    ]
