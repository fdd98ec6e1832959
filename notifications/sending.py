"""Sending over the routes of one delivery pass: e-mail over an SMTP connection per mail server and sending
thread, kept open for the whole pass, every other channel through Apprise; the secrets filled in at the last
moment, the reason for a failure captured for this message alone, and a Message-ID that every copy of the message
shares.

E-mail (`mailto://`, `mailtos://`): Apprise's e-mail plugin parses and validates the route (server, port,
STARTTLS/SSL mode, login, from=, name=, reply=, to=, cc=, bcc=, +headers, cto=/rto=, verify=) through its public
`parse_url` and constructor; the message is built with the standard library's `email` package and sent with
`smtplib` over a connection kept open for the pass. TLS verifies the server's certificate and name unless the
route says `verify=no`; the CA bundle is read once per process. Nothing of Apprise is replaced or patched.

Every other route (webhooks, Teams, SMS ...) goes through an `Apprise` object of its own. Apprise logs to one
process-wide logger; `apprise.LogCapture` attaches a handler to it that sees every thread's records, so with
concurrent senders one message's error named another person's address. Here one handler, installed once, hands
each record to the capture of the thread that logged it.

A time limit per message: every socket operation has the route's timeout (cto= and rto=, Apprise's defaults
otherwise), and a server that fails a message after waiting that long (or refuses the connection) is not tried
again in the same pass: its remaining messages go back to the retry schedule at once, so a hanging server costs
a pass one timeout, not one per message.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from samverkan.core.settings import get_settings
from samverkan.core.timeutil import utcnow
from samverkan.notifications.attachments import attachable
from samverkan.orgconfig.routes import (
    MissingSecretError,
    channel_of,
    env_references,
    redact,
    resolve,
    secret_values,
    url_encoded,
)
from samverkan.scheduling.ics import calendar_method

HALTED = "avbruten: leveransen stoppades innan meddelandet skickades"
# What delivery's `email_route` adds to the configured SMTP route for one message: the address and the key.
_ADDED = re.compile(r"(?<=[?&])to=([^&]*)&\+X-Samverkan-Id=([^&]*)(?:&|$)")

# Header lines up to the RFC 5322 limit: folding at 78 made a long ASCII subject arrive with a leading space.
POLICY = SMTP.clone(max_line_length=998)
FOOTER = "Meddelandet skickades automatiskt av Samverkan. Ett svar går till samordnaren."


class PerThreadLog(logging.Handler):
    """Apprise's warnings, each kept for the thread that logged it (and only while that thread captures)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._local = threading.local()

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        lines: list[str] = []
        self._local.lines = lines
        try:
            yield lines
        finally:
            self._local.lines = None

    def emit(self, record: logging.LogRecord) -> None:
        lines: list[str] | None = getattr(self._local, "lines", None)
        if lines is not None:
            lines.append(record.getMessage())


@lru_cache
def _apprise_log() -> PerThreadLog:
    handler = PerThreadLog()
    logger = logging.getLogger("apprise")
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    return handler


@lru_cache
def _apprise() -> Any:
    import apprise

    _apprise_log()
    return apprise


@lru_cache
def verifying_context() -> ssl.SSLContext:
    """The TLS client context of every verified connection: the system CA bundle read once per process (~25 ms),
    certificate and host name checked (what `ssl.create_default_context()` gives)."""
    return ssl.create_default_context()


@lru_cache
def unverified_context() -> ssl.SSLContext:
    """For a route that says `verify=no` (a test server with a self-signed certificate): encrypted, not checked."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def mail_domain() -> str:
    """The domain of derived Message-IDs: SAMVERKAN_MAIL_DOMAIN, else the SMTP route's from= domain."""
    settings = get_settings()
    if settings.mail_domain:
        return settings.mail_domain
    query = (settings.smtp_url or "").partition("?")[2]
    sender = dict(parse_qsl(query)).get("from", "")
    return sender.rpartition("@")[2].strip(">") or "samverkan.invalid"


def message_id(idempotency_key: str) -> str:
    """The Message-ID every copy of one message carries (the same key gives the same id)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.samverkan@{mail_domain()}>"


@dataclass(frozen=True)
class Outgoing:
    """What is sent of one notification: its words, its attachments and the key its copies share."""

    idempotency_key: str
    subject: str
    body_text: str
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailRoute:
    """An e-mail route as Apprise's e-mail plugin reads it: where to connect, how, as whom, and to whom."""

    host: str
    port: int
    mode: str  # insecure | ssl | starttls
    user: str | None
    password: str | None
    verify: bool
    connect_timeout: float
    read_timeout: float
    sender: tuple[str, str]  # display name, address
    to: tuple[tuple[str, str], ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    reply_to: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]

    @property
    def server(self) -> tuple[str, int, str, str | None, str | None, bool]:
        """What one connection is: messages with the same server share it."""
        return self.host, self.port, self.mode, self.user, self.password, self.verify


def _is_email(address: str) -> dict[str, Any] | None:
    from apprise.utils.parse import is_email

    found: dict[str, Any] | None = is_email(address)  # type: ignore[no-untyped-call]
    return found


def _plain(name: Any) -> str:
    """A display name as text (Apprise hands some over RFC 2047-encoded)."""
    return str(make_header(decode_header(name))) if isinstance(name, str) and name else ""


def parse_mail_route(url: str) -> MailRoute | None:
    """The e-mail route as Apprise's e-mail plugin parses and validates it; None if it does not accept it."""
    from apprise import AppriseAsset
    from apprise.plugins.email import NotifyEmail

    results: dict[str, Any] | None = NotifyEmail.parse_url(url)  # type: ignore[no-untyped-call]
    if not results:
        return None
    try:
        plugin: Any = NotifyEmail(**{**results, "asset": AppriseAsset(async_mode=False)})  # type: ignore[no-untyped-call]
    except (TypeError, ValueError):  # Apprise's way of refusing a route (an invalid from= or mode=)
        return None
    query = results.get("qsd", {})
    connect = float(plugin.socket_connect_timeout)
    return MailRoute(
        host=str(plugin.smtp_host),
        port=int(plugin.port),
        mode=str(plugin.secure_mode),
        user=plugin.user or None,
        password=plugin.password or None,
        verify=bool(plugin.verify_certificate),
        connect_timeout=connect,
        read_timeout=float(plugin.socket_read_timeout) if "rto" in query else connect,  # as Apprise: one timeout
        sender=(_plain(plugin.from_addr[0]), str(plugin.from_addr[1])),
        to=tuple((_plain(name), str(address)) for name, address in plugin.targets),
        cc=tuple(sorted(plugin.cc)),
        bcc=tuple(sorted(plugin.bcc)),
        reply_to=tuple(sorted(plugin.reply_to)),
        headers=tuple(plugin.headers.items()),
    )


def build_email(route: MailRoute, recipient: tuple[str, str], notification: Outgoing, html: str) -> EmailMessage:
    """One e-mail to one recipient: plain text and HTML alternatives, the route's headers, the attachments (a
    calendar invitation typed with its iTIP method), the Message-ID derived from the idempotency key."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = notification.subject
    message["From"] = formataddr(route.sender)
    message["To"] = formataddr(recipient)
    if route.cc:
        message["Cc"] = ", ".join(address for address in route.cc if address != recipient[1])
    replies = [address for address in route.reply_to if address != recipient[1]]
    if replies:
        message["Reply-To"] = ", ".join(replies)
    message["Message-ID"] = message_id(notification.idempotency_key)
    message["Date"] = format_datetime(utcnow())
    message.set_content(f"{notification.body_text}\n\n{FOOTER}\n")
    message.add_alternative(html, subtype="html")
    for name in notification.attachments:
        path = Path(name)
        if not path.is_file():
            continue
        method = calendar_method(path)
        if method is not None:
            maintype, subtype, params = "text", "calendar", {"method": method, "charset": "UTF-8"}
        else:
            guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            (maintype, subtype), params = guessed.split("/", 1), {}
        message.add_attachment(path.read_bytes(), maintype, subtype, filename=path.name, params=params)
    for name, value in route.headers:  # last: making the body multipart moves Content-* headers into its first part
        message[name] = value
    return message


@dataclass
class _Connection:
    smtp: smtplib.SMTP | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Sender:
    """The sending of one delivery pass: an open SMTP connection per mail server and sending thread, and the
    servers that did not answer in time (not tried again in this pass). Thread-safe; `close()` ends them."""

    def __init__(self) -> None:
        self._connections: dict[tuple[Any, ...], _Connection] = {}
        self._unanswered: dict[str, str] = {}  # redacted route -> why it is not tried again in this pass
        self._routes: dict[str, MailRoute | None] = {}  # an e-mail route without its recipient, as Apprise read it
        self._lock = threading.Lock()
        self._apprise = threading.local()  # this thread's Apprise object, emptied before each message

    def send(self, url_template: str, notification: Outgoing, html: str, sender_query: str = "") -> str | None:
        """Send one message over one route (an e-mail with the `sender_query` parameters: notifications.sender);
        None on success, else the reason (this message's own, never containing a secret)."""
        shown = redact(url_template)
        with self._lock:
            skipped = self._unanswered.get(shown)
        if skipped is not None:
            return skipped
        email = channel_of(url_template).value == "email"
        try:
            url = resolve(url_template + sender_query if email else url_template)
        except (MissingSecretError, ValueError) as exc:  # a missing variable or a malformed secrets file
            return str(exc)
        began = time.monotonic()
        if email:
            error, unanswered = self._send_email(url, notification, html)
        else:
            error, timeout = self._send_apprise(url, url_template, notification)
            unanswered = error is not None and time.monotonic() - began >= timeout * 0.9
        if error is not None:
            error = _without_secrets(error, url_template)
            if unanswered:
                with self._lock:
                    self._unanswered.setdefault(shown, f"{error} (inte försökt igen i samma körning)")
        return error

    def _route(self, url: str) -> MailRoute | None:
        """The route as Apprise reads it. A person's address and message key (what `email_route` adds to the
        configured SMTP route) are taken off first, so that Apprise reads the shared rest once a pass, not once a
        message (~0.4 ms each); the address is checked by Apprise's own `is_email`."""
        found = _ADDED.search(url)
        if found is None:
            return parse_mail_route(url)
        shared = url[: found.start()] + url[found.end() :]
        with self._lock:
            known = shared in self._routes
            route = self._routes.get(shared)
        if not known:
            route = parse_mail_route(shared)
            with self._lock:
                self._routes[shared] = route
        checked = _is_email(unquote(found[1]))
        if route is None or not checked:
            return None
        return replace(
            route,
            to=((_plain(checked["name"]), str(checked["full_email"])),),
            headers=(*route.headers, ("X-Samverkan-Id", unquote(found[2]))),
        )

    def _send_email(self, url: str, notification: Outgoing, html: str) -> tuple[str | None, bool]:
        route = self._route(url)
        if route is None:
            return f"Apprise känner inte igen e-postadressen ({redact(url)})", False
        with self._lock:
            connection = self._connections.setdefault((*route.server, threading.get_ident()), _Connection())
        with connection.lock:  # one conversation at a time on one connection
            for recipient in route.to:
                message = build_email(route, recipient, notification, html)
                to_addrs = [recipient[1], *(a for a in (*route.cc, *route.bcc) if a != recipient[1])]
                error, unanswered = self._deliver(connection, route, message, to_addrs)
                if error is not None:
                    return error, unanswered
        return None, False

    def _deliver(
        self, connection: _Connection, route: MailRoute, message: EmailMessage, to_addrs: list[str]
    ) -> tuple[str | None, bool]:
        """One message over the pass's connection to its server (opened on first use, and once more if the server
        had closed one it kept). Returns the error and whether the server is to be left alone for this pass."""
        where = f"{route.host}:{route.port}"
        reused = connection.smtp is not None
        for attempt in (1, 2):
            if connection.smtp is None:
                try:
                    connection.smtp = _connect(route)
                except (OSError, smtplib.SMTPException) as exc:
                    if _timed_out(exc):
                        return f"e-postservern {where} svarade inte inom {route.connect_timeout:g} s", True
                    return f"kunde inte ansluta till e-postservern {where}: {_reason(exc)}", True
            try:
                connection.smtp.sendmail(route.sender[1], to_addrs, message.as_bytes())
                return None, False
            except smtplib.SMTPRecipientsRefused as exc:  # smtplib has reset the conversation: usable again
                answers = exc.recipients.items()
                refused = "; ".join(f"{address}: {code} {_text(text)}" for address, (code, text) in answers)
                return f"e-postservern {where} tog inte emot mottagaren ({refused})", False
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as exc:
                if _timed_out(exc):
                    _close(connection)
                    return f"e-postservern {where} svarade inte inom {route.read_timeout:g} s", True
                closing = not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code == 421
                if not closing:  # e.g. 552 too large: this message's own answer; the conversation goes on
                    return f"e-postservern {where} svarade {_reason(exc)}", False
                _close(connection)
                if reused and attempt == 1:  # a kept connection the server had ended: a new one, once
                    continue
                return f"e-postservern {where} stängde förbindelsen ({_reason(exc)})", True
            except TimeoutError:
                _close(connection)
                return f"e-postservern {where} svarade inte inom {route.read_timeout:g} s", True
            except (OSError, smtplib.SMTPException) as exc:
                _close(connection)
                return f"kunde inte skicka via e-postservern {where}: {_reason(exc)}", True
        return f"e-postservern {where} stängde förbindelsen", True

    def _send_apprise(self, url: str, url_template: str, notification: Outgoing) -> tuple[str | None, float]:
        apprise = _apprise()
        sender = getattr(self._apprise, "sender", None)
        if sender is None:  # building one reads Apprise's translations from disk (~1 ms): once per thread and pass
            sender = self._apprise.sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
        sender.clear()  # sent in this thread (async_mode off): its log is ours
        if not sender.add(url):
            return f"Apprise känner inte igen adressen ({redact(url_template)})", float("inf")
        plugin = sender[0]
        timeout = min(float(plugin.socket_connect_timeout), float(plugin.socket_read_timeout))
        attachments = [attachable(Path(a)) for a in notification.attachments if Path(a).is_file()]
        with _apprise_log().capture() as log:
            ok = sender.notify(
                title=notification.subject,
                body=notification.body_text,
                body_format=apprise.NotifyFormat.TEXT,
                attach=attachments or None,
            )
        if ok:
            return None, timeout
        return " ".join(log[-2:]) or "mottagaren tog inte emot meddelandet", timeout

    def close(self) -> None:
        with self._lock:
            connections = list(self._connections.values())
            self._connections.clear()
        for connection in connections:
            with connection.lock:
                if connection.smtp is not None:
                    with suppress(OSError, smtplib.SMTPException):
                        connection.smtp.quit()
                _close(connection)


def _connect(route: MailRoute) -> smtplib.SMTP:
    """A connection to the route's server: TLS as the route says (SSL from the start or STARTTLS), logged in."""
    context = verifying_context() if route.verify else unverified_context()
    smtp: smtplib.SMTP
    if route.mode == "ssl":
        smtp = smtplib.SMTP_SSL(route.host, route.port, timeout=route.connect_timeout, context=context)
    else:
        smtp = smtplib.SMTP(route.host, route.port, timeout=route.connect_timeout)
    try:
        if smtp.sock is not None:
            smtp.sock.settimeout(route.read_timeout)
        if route.mode == "starttls":
            smtp.starttls(context=context)
        if route.user and route.password:
            smtp.login(route.user, route.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _close(connection: _Connection) -> None:
    if connection.smtp is not None:
        with suppress(OSError):
            connection.smtp.close()
    connection.smtp = None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _timed_out(exc: BaseException) -> bool:
    """A socket timeout, also as smtplib reports one while reading a reply ("Connection unexpectedly closed:
    timed out")."""
    return isinstance(exc, TimeoutError) or str(exc).endswith("timed out")


def _reason(exc: BaseException) -> str:
    """An SMTP error as its code and the server's words; any other error as itself."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def send_one(sender: Sender, url_template: str, notification: Outgoing, html: str, query: str = "") -> str | None:
    """One message over one route within a pass (see `Sender.send`)."""
    return sender.send(url_template, notification, html, query)


def _without_secrets(reason: str, url_template: str) -> str:
    """A receiver's error may echo the URL: no secret may reach the log, plain or URL-encoded."""
    secrets = secret_values()
    for name in env_references(url_template):
        value = secrets.get(name)
        if value:
            reason = reason.replace(value, "***").replace(url_encoded(value), "***")
    return reason
