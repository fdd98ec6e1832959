"""Sending e-mail without patching Apprise: TLS as the route says (verified unless it says verify=no), one SMTP
connection per mail server for a pass, and servers that hang or refuse cannot stall a pass; with real servers on
loopback (aiosmtpd with a self-signed certificate, a socket that accepts and never answers)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.settings import get_settings
from samverkan.models import DeliveryAttempt, Notification
from samverkan.models.enums import NotificationStatus
from samverkan.notifications import sending
from samverkan.notifications.delivery import deliver_pending
from samverkan.notifications.sending import Outgoing, Sender, parse_mail_route
from tests.receivers import JsonReceiver, SmtpServer
from tests.test_delivery import at, fagersta
from tests.test_outage import TUESDAY, queue_messages, statuses

# the module's shared fixture is built once: its tests stay in one test process (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("test_sending")

FROM = "samverkan@fagersta.example"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (no CA the system trusts has signed it)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def tls_server(certificate: tuple[Path, Path], implicit: bool) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = SmtpServer(tls=context, implicit_tls=implicit)
    server.start()
    return server


def message(key: str = "fagersta:test:1") -> Outgoing:
    return Outgoing(key, "Ämne med å, ä och ö", "Hej,\n\nEtt meddelande: https://samverkan.fagersta.example/org")


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The self-signed certificate as the process's only trusted CA (as a kommun's own CA would be)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    sending.verifying_context.cache_clear()
    yield
    sending.verifying_context.cache_clear()


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_tls_is_verified_unless_the_route_says_not(certificate: tuple[Path, Path], implicit: bool) -> None:
    server = tls_server(certificate, implicit)
    mode = "ssl" if implicit else "starttls"
    route = f"mailtos://127.0.0.1:{server.port}?from={FROM}&mode={mode}&to=maria%40fagersta.example"
    sending.verifying_context.cache_clear()
    sender = Sender()
    try:
        error = sender.send(route, message(), "<p>Hej</p>")
        assert error is not None and "CERTIFICATE_VERIFY_FAILED" in error, error  # not signed by a trusted CA
        assert server.received == []
        unverified = Sender()  # a new pass: the server is tried again
        assert unverified.send(route + "&verify=no", message(), "<p>Hej</p>") is None
        unverified.close()
    finally:
        sender.close()
        server.stop()
    [(recipients, mail)] = server.received
    assert recipients == ["maria@fagersta.example"] and str(mail["Subject"]) == "Ämne med å, ä och ö"


def test_a_trusted_certificate_and_a_login_over_starttls(
    certificate: tuple[Path, Path], trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = tls_server(certificate, implicit=False)
    monkeypatch.setenv("SMTP_PASSWORD", "p@ss#1/:")
    route = f"mailtos://kontakt:${{SMTP_PASSWORD}}@127.0.0.1:{server.port}?from={FROM}&mode=starttls&to=a%40b.se"
    sender = Sender()
    try:
        assert sender.send(route, message(), "<p>Hej</p>") is None  # the server requires STARTTLS before MAIL
    finally:
        sender.close()
        server.stop()
    assert server.logins == [("kontakt", "p@ss#1/:")] and len(server.received) == 1


def test_the_route_is_read_by_apprise() -> None:
    route = parse_mail_route(
        "mailtos://u:p@smtp.kommun.example?from=samverkan@kommun.example&name=Samverkan%20%E2%80%93%20Kommun"
        "&to=a%40kommun.example&bcc=arkiv%40kommun.example&reply=s%40kommun.example&+X-Samverkan-Id=k&cto=3&rto=7"
    )
    assert route is not None
    assert (route.host, route.port, route.mode, route.user, route.password) == (
        "smtp.kommun.example",
        587,
        "starttls",
        "u",
        "p",
    )
    assert route.verify and (route.connect_timeout, route.read_timeout) == (3.0, 7.0)
    assert route.sender == ("Samverkan – Kommun", "samverkan@kommun.example")
    assert route.to == (("", "a@kommun.example"),) and route.bcc == ("arkiv@kommun.example",)
    assert route.reply_to == ("s@kommun.example",) and ("X-Samverkan-Id", "k") in route.headers
    assert parse_mail_route("mailto://smtp.kommun.example?from=inte-en-adress&mode=insecure") is None
    assert parse_mail_route("mailtos://smtp.kommun.example?from=a@b.se&mode=okänt") is None


def test_one_connection_per_mail_server_for_a_pass(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    queue_messages(engine, 40, at(TUESDAY, 8, 0))
    report = deliver_pending(engine, at(TUESDAY, 8, 0))
    assert report.sent == 40 and len(smtp_settings.received) == 40
    assert smtp_settings.connections <= 2  # SMTP_LANES: not one per message as before
    ids = {str(m["Message-ID"]) for _, m in smtp_settings.received}
    assert len(ids) == 40 and all(i.endswith("@fagersta.example>") for i in ids)


@pytest.fixture
def hanging() -> Iterator[int]:
    """A server that accepts connections (into the kernel's backlog) and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(256)
        yield server.getsockname()[1]


def test_a_hanging_mail_server_and_webhook_cost_a_pass_one_timeout_and_lose_nothing(
    engine: Engine, hanging: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMVERKAN_SMTP_URL", f"mailto://127.0.0.1:{hanging}?from={FROM}&mode=insecure&cto=1")
    get_settings.cache_clear()
    try:
        fagersta(engine, {"maria": f"json://127.0.0.1:{hanging}/maria?cto=1&rto=1"})
        queue_messages(engine, 120, at(TUESDAY, 8, 0))
        began = time.monotonic()
        report = deliver_pending(engine, at(TUESDAY, 8, 0))
        took = time.monotonic() - began
    finally:
        get_settings.cache_clear()
    assert report.retrying == 120 and report.sent == 0  # every one back in the queue for its retry
    assert took < 20, took  # one timeout per server and lane, not 120 (which took ~33 min for 1 000 before)
    assert statuses(engine) == {"vantar": 120}
    with Session(engine) as session:
        errors = {a.error for a in session.exec(select(DeliveryAttempt)).all()}
        retry_at = set(session.exec(select(Notification.next_attempt_at)).all())
    assert any(e and "svarade inte inom 1 s" in e for e in errors), errors
    assert any(e and "inte försökt igen i samma körning" in e for e in errors), errors
    assert retry_at == {at(TUESDAY, 8, 1)}  # the schedule's first wait


def test_a_refused_connection_is_not_tried_again_in_the_pass(engine: Engine, smtp_settings: SmtpServer) -> None:
    fagersta(engine)
    queue_messages(engine, 30, at(TUESDAY, 8, 0))
    smtp_settings.stop()
    report = deliver_pending(engine, at(TUESDAY, 8, 0))
    assert report.retrying == 30
    with Session(engine) as session:
        rows = session.exec(select(Notification).where(Notification.status == NotificationStatus.PENDING)).all()
    assert all("kunde inte ansluta till e-postservern 127.0.0.1" in (n.last_error or "") for n in rows)


def test_webhooks_still_go_through_apprise(engine: Engine, json_receiver: JsonReceiver) -> None:
    sender = Sender()
    try:
        assert sender.send(json_receiver.url("maria"), message(), "") is None
    finally:
        sender.close()
    assert json_receiver.posts[0]["title"] == "Ämne med å, ä och ö"


def test_each_webhook_gets_its_own_message_when_a_thread_sends_many(json_receiver: JsonReceiver) -> None:
    """A sending thread keeps one Apprise object for the pass and empties it before each message: every message
    reaches its own route and no earlier route gets it again, in one thread and in several at once."""
    from concurrent.futures import ThreadPoolExecutor

    def one(n: int) -> str | None:
        words = Outgoing(f"fagersta:test:{n}", f"Ämne {n}", f"Meddelande {n}")
        return sender.send(json_receiver.url(f"person-{n}"), words, "")

    sender = Sender()
    try:
        assert [one(n) for n in range(5)] == [None] * 5
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(one, range(5, 25))) == [None] * 20
    finally:
        sender.close()
    got = sorted(zip(json_receiver.paths, (post["title"] for post in json_receiver.posts), strict=True))
    assert got == sorted((f"/person-{n}", f"Ämne {n}") for n in range(25))


def test_a_pass_needs_a_handful_of_statements_not_eight_per_message(engine: Engine, smtp_settings: SmtpServer) -> None:
    """Claims in one statement per batch, the batch's people, routes and senders read once, the records of what
    returned together: the statements do not grow with the messages (about 8 per message before)."""
    from sqlalchemy import event

    fagersta(engine)
    queue_messages(engine, 150, at(TUESDAY, 8, 0))
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        report = deliver_pending(engine, at(TUESDAY, 8, 0))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.sent == 150
    assert len(statements) < 150 // 2, len(statements)
    print(f"\n150 messages in one pass: {len(statements)} SQL statements")
