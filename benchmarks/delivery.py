"""Benchmark: 1 000 notifications delivered to loopback receivers (SMTP and JSON), beside a raw floor.

    .venv/bin/python benchmarks/delivery.py [--count 1000] [--hanging 200] [--latency 10]

Prints, in one run and with the machine's load average:
- the floor: the standard library alone (smtplib over one connection, sending the same messages built with the
  `email` package; then http.client posting the same JSON bodies for the webhook half), measured before and
  after Samverkan's pass; the faster of the two is the floor;
- Samverkan's pass (`deliver_pending`: claims, re-checks, routes, sends, records) and its ratio to the floor;
  target (issue 19): within 1.5x;
- a hanging SMTP server (accepts, never answers) and a hanging webhook: the pass ends after one timeout per
  server, every message back in the queue for a retry, none lost;
- latency: the delivery loop (`deliver_continuously`, as the `leverans` flow runs it) running, a notification
  committed as the web app would commit it; the time until it is recorded as sent.
The receivers run in their own process, as a real mail server would. Temporary folders are removed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

RECEIVERS = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.receivers import JsonReceiver, SmtpServer
smtp, receiver = SmtpServer(), JsonReceiver()
smtp.start(); receiver.start()
print(smtp.port, receiver.port, flush=True)
for line in sys.stdin:  # "count" answers what has arrived so far; "done" stops
    time.sleep(0.2)
    print(len(smtp.received), len(receiver.posts), flush=True)
    if line.strip() == "done":
        break
smtp.stop(); receiver.stop()
"""
BODY = "Till EST-gruppen,\n\nDu kallas till EST-möte tisdag kl. 09:00 i Stadshuset.\n\nÖppna Samverkan: {url}"
NOW = datetime(2027, 3, 2, 9, tzinfo=UTC)  # a Tuesday
AUTOMATIC_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", "Content-Language": "sv"}


class Receivers:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", RECEIVERS, str(Path(__file__).parent.parent)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.smtp_port, self.json_port = (int(port) for port in self.process.stdout.readline().split())

    def counts(self, last: bool = False) -> tuple[int, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("done\n" if last else "count\n")
        self.process.stdin.flush()
        mails, posts = (int(n) for n in self.process.stdout.readline().split())
        if last:
            self.process.wait(timeout=30)
        return mails, posts


def hanging_server() -> tuple[socket.socket, int]:
    """A server that accepts connections (the kernel's backlog) and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(512)
    return server, server.getsockname()[1]


def floor(count: int, smtp_port: int, json_port: int) -> float:
    """The standard library alone: the same e-mails (text and HTML, the same headers but Reply-To: the benchmark's
    kommun has no coordinator) over one SMTP connection,
    then the same JSON posts (a connection each: the receiver speaks HTTP/1.0)."""
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for n in range(count):
            message = EmailMessage(policy=SMTP.clone(max_line_length=998))
            message["Subject"] = f"Kallelse nr {n}: EST-möte tisdag"
            message["From"] = formataddr(("Samverkan – Benchkommun", "samverkan@bench.example"))
            message["To"] = f"p{n}@bench.example"
            message["Message-ID"] = make_msgid(domain="bench.example")
            message["Date"] = format_datetime(datetime.now(UTC))
            message["X-Samverkan-Id"] = f"floor:{n}"
            for name, value in AUTOMATIC_HEADERS.items():  # what Samverkan's e-mails carry too
                message[name] = value
            body = BODY.format(url="https://samverkan.bench.example/org/bench")
            message.set_content(body)
            message.add_alternative("".join(f"<p>{p}</p>" for p in body.split("\n\n")), subtype="html")
            smtp.sendmail("samverkan@bench.example", [f"p{n}@bench.example"], message.as_bytes())
    for n in range(count // 2):
        payload = json.dumps({"version": "1.0", "title": f"Kallelse nr {n}", "message": BODY, "type": "info"})
        connection = http.client.HTTPConnection("127.0.0.1", json_port, timeout=10)
        connection.request("POST", f"/p{n}", payload, {"Content-Type": "application/json", "X-Samverkan-Id": str(n)})
        connection.getresponse().read()
        connection.close()
    return time.perf_counter() - began


def queue(engine: Any, count: int, json_port: int | None, tag: str) -> None:
    """`count` notifications to as many people; half of them with a webhook route too (when json_port is given)."""
    from sqlmodel import select

    from samverkan.database import session_scope
    from samverkan.models import ContactRoute, Notification, Organisation, Person
    from samverkan.models.enums import ContactChannel, OrgKind

    with session_scope(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "bench")).first()
        if org is None:
            org = Organisation(key="bench", name="Benchkommun", kind=OrgKind.KOMMUN, source_file="bench.yaml")
            session.add(org)
            session.flush()
        people = [Person(email=f"{tag}{n}@bench.example", name=f"Person {n}") for n in range(count)]
        session.add_all(people)
        session.flush()
        if json_port is not None:
            for person in people[: count // 2]:
                session.add(
                    ContactRoute(
                        organisation_id=org.id,
                        person_id=person.id,
                        channel=ContactChannel.WEBHOOK,
                        url_template=f"json://127.0.0.1:{json_port}/p{person.id}",
                    )
                )
        for n, person in enumerate(people):
            session.add(
                Notification(
                    idempotency_key=f"bench:{tag}:{n}",
                    organisation_id=org.id,
                    kind="kallelse",
                    person_id=person.id,
                    subject=f"Kallelse nr {n}: EST-möte tisdag",
                    body_text=BODY.format(url="https://samverkan.bench.example/org/bench"),
                    not_before=NOW,
                    created_at=NOW,
                )
            )


def use_smtp(url: str) -> None:
    from samverkan.core.settings import get_settings

    os.environ["SAMVERKAN_SMTP_URL"] = url
    get_settings.cache_clear()


def statuses(engine: Any) -> dict[str, int]:
    from collections import Counter

    from sqlmodel import Session, select

    from samverkan.models import Notification

    with Session(engine) as session:
        return dict(Counter(str(n.status) for n in session.exec(select(Notification)).all()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--hanging", type=int, default=200, help="notifications in the hanging-server case")
    parser.add_argument("--latency", type=int, default=10, help="notifications timed through the loop")
    args = parser.parse_args()
    print("load average before: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    receivers = Receivers()
    smtp_url = f"mailto://127.0.0.1:{receivers.smtp_port}?from=samverkan@bench.example&mode=insecure"
    use_smtp(smtp_url)
    from sqlalchemy import event

    from samverkan.database import make_engine, upgrade
    from samverkan.notifications.delivery import deliver_continuously, deliver_pending

    folder = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    try:
        engine = make_engine(f"sqlite:///{folder / 'samverkan.db'}")
        upgrade(engine)
        queue(engine, args.count, receivers.json_port, "p")
        floor_before = floor(args.count, receivers.smtp_port, receivers.json_port)
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        began = time.perf_counter()
        report = deliver_pending(engine, NOW, limit=args.count)
        elapsed = time.perf_counter() - began
        event.remove(engine, "before_cursor_execute", count)
        floor_after = floor(args.count, receivers.smtp_port, receivers.json_port)
        best = min(floor_before, floor_after)
        mails, posts = receivers.counts()
        webhooks = args.count // 2
        print(f"notifications: {args.count} ({webhooks} with e-mail + webhook, the rest e-mail only)")
        print(f"delivered: {report.sent}, retrying {report.retrying}, failed {report.failed}")
        print(f"received: {mails} e-mails, {posts} webhook posts (the two floor runs included)")
        print(f"floor (stdlib, sequential): {floor_before:.2f} s before, {floor_after:.2f} s after; floor {best:.2f} s")
        print(f"samverkan pass:             {elapsed:.2f} s, {args.count / elapsed:.0f} notifications/s")
        print(f"ratio pass / floor:         {elapsed / best:.2f}x (target <= 1.5x)")
        print(f"SQL statements in the pass: {statements[0]} ({statements[0] / args.count:.2f} per notification)")

        hang_smtp, smtp_hang_port = hanging_server()
        hang_http, http_hang_port = hanging_server()
        use_smtp(f"mailto://127.0.0.1:{smtp_hang_port}?from=samverkan@bench.example&mode=insecure&cto=2")
        hanging = make_engine(f"sqlite:///{folder / 'hanging.db'}")
        upgrade(hanging)
        queue(hanging, args.hanging, http_hang_port, "h")
        began = time.perf_counter()
        stuck = deliver_pending(hanging, NOW, limit=args.hanging)
        hang_time = time.perf_counter() - began
        print(
            f"hanging SMTP server (cto=2) and webhook (Apprise's 4 s): {args.hanging} notifications, pass "
            f"{hang_time:.1f} s; retrying {stuck.retrying}, sent {stuck.sent}, lost "
            f"{args.hanging - stuck.retrying - stuck.sent}; statuses {statuses(hanging)}"
        )
        hang_smtp.close()
        hang_http.close()
        hanging.dispose()

        use_smtp(smtp_url)
        latency(engine, args.latency, deliver_continuously)
        engine.dispose()
        receivers.counts(last=True)
    finally:
        if receivers.process.poll() is None:
            receivers.process.kill()
        shutil.rmtree(folder, ignore_errors=True)  # the benchmark leaves no temporary folder behind
    print("load average after: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))


def latency(engine: Any, count: int, deliver_continuously: Any) -> None:
    """The loop running as the `leverans` flow runs it; notifications committed one at a time, as a step
    completed in the web app commits them; the time from commit to recorded as sent."""
    from sqlmodel import Session, select

    from samverkan.database import session_scope
    from samverkan.models import Notification, Organisation, Person
    from samverkan.models.enums import NotificationStatus

    stop = threading.Event()
    loop = threading.Thread(target=deliver_continuously, args=(engine,), kwargs={"stop": stop}, daemon=True)
    loop.start()
    time.sleep(1.0)
    waits = []
    with session_scope(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "bench")).one()
        person = Person(email="latens@bench.example", name="Latens")
        session.add(person)
        session.flush()
        org_id, person_id = org.id, person.id
    for n in range(count):
        now = datetime.now(UTC)
        with session_scope(engine) as session:
            notification = Notification(
                idempotency_key=f"bench:latency:{n}:{now.isoformat()}",
                organisation_id=org_id or 0,
                kind="kallelse",
                person_id=person_id,
                urgent=True,  # whatever the day of the week the benchmark runs on
                subject=f"Latens {n}",
                body_text=BODY.format(url="https://samverkan.bench.example/org/bench"),
                not_before=now,
                created_at=now,
            )
            session.add(notification)
            session.flush()
            notification_id = notification.id
        committed = time.perf_counter()
        while True:
            with Session(engine) as session:
                status = session.exec(select(Notification.status).where(Notification.id == notification_id)).one()
            if status == NotificationStatus.SENT:
                break
            if time.perf_counter() - committed > 120:
                raise SystemExit(f"latens: meddelande {n} skickades inte inom 120 s")
            time.sleep(0.02)
        waits.append(time.perf_counter() - committed)
        time.sleep(0.37 * (n % 7))  # commits land at different points of the poll interval
    stop.set()
    loop.join(timeout=60)
    print(
        f"latency, committed -> sent by the running loop: {count} messages, median {statistics.median(waits):.2f} s, "
        f"max {max(waits):.2f} s"
    )


if __name__ == "__main__":
    main()
