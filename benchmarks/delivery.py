"""Benchmark: 1 000 notifications delivered through Apprise to loopback receivers (SMTP and JSON).

    .venv/bin/python benchmarks/delivery.py [--count 1000]

Target (issue "Notifications"): ≤ 10 s for 1 000 notifications.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RECEIVERS = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.receivers import JsonReceiver, SmtpServer
smtp, receiver = SmtpServer(), JsonReceiver()
smtp.start(); receiver.start()
print(smtp.port, receiver.port, flush=True)
sys.stdin.readline()  # until the benchmark is done
time.sleep(0.5)
print(len(smtp.received), len(receiver.posts), flush=True)
smtp.stop(); receiver.stop()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    # the receivers run in their own process, as a real mail server would: they do not compete for our GIL
    receivers = subprocess.Popen(
        [sys.executable, "-c", RECEIVERS, str(Path(__file__).parent.parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receivers.stdin is not None and receivers.stdout is not None
    smtp_port, json_port = (int(port) for port in receivers.stdout.readline().split())
    os.environ["SAMVERKAN_SMTP_URL"] = f"mailto://127.0.0.1:{smtp_port}?from=samverkan@bench.example&mode=insecure"
    from samverkan.core.settings import get_settings

    get_settings.cache_clear()
    from samverkan.database import make_engine, session_scope, upgrade
    from samverkan.models import ContactRoute, Notification, Organisation, Person
    from samverkan.models.enums import ContactChannel, OrgKind
    from samverkan.notifications.delivery import deliver_pending

    folder = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    engine = make_engine(f"sqlite:///{folder / 'samverkan.db'}")
    upgrade(engine)
    now = datetime(2027, 3, 2, 9, tzinfo=UTC)  # a Tuesday
    with session_scope(engine) as session:
        org = Organisation(key="bench", name="Benchkommun", kind=OrgKind.KOMMUN, source_file="bench.yaml")
        session.add(org)
        session.flush()
        people = [Person(email=f"p{n}@bench.example", name=f"Person {n}") for n in range(args.count)]
        session.add_all(people)
        session.flush()
        for person in people[: args.count // 2]:  # half of them also have a webhook route
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
                    idempotency_key=f"bench:{n}",
                    organisation_id=org.id,
                    kind="kallelse",
                    person_id=person.id,
                    subject=f"Kallelse nr {n}: EST-möte tisdag",
                    body_text="Till EST-gruppen,\n\nDu kallas till EST-möte.",
                    not_before=now,
                )
            )
    began = time.perf_counter()
    report = deliver_pending(engine, now, limit=args.count)
    elapsed = time.perf_counter() - began
    receivers.stdin.write("done\n")
    receivers.stdin.flush()
    mails, posts = (int(n) for n in receivers.stdout.readline().split())
    receivers.wait(timeout=30)
    print(f"notifications: {args.count} ({args.count // 2} with e-mail + webhook, the rest e-mail only)")
    print(f"delivered: {report.sent}, retrying {report.retrying}, failed {report.failed}")
    print(f"received by the loopback servers: {mails} e-mails, {posts} webhook posts")
    rate = (mails + posts) / elapsed
    print(f"time: {elapsed:.2f} s, {args.count / elapsed:.0f} notifications/s ({rate:.0f} messages/s)")
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)  # the benchmark leaves no temporary folder behind


if __name__ == "__main__":
    main()
