"""Sending one message over one route through Apprise: the secrets filled in at the last moment, the reason
for a failure captured for this message alone, and a Message-ID that every copy of the message shares.

Apprise logs to one process-wide logger; `apprise.LogCapture` attaches a handler to it that sees every thread's
records (and resets the logger's level on exit, racing other threads), so with concurrent senders one message's
error named another person's address. Here one handler, installed once, hands each record to the capture of the
thread that logged it. The Message-ID is derived from the idempotency key: a copy resent after a crash carries
the same Message-ID as the original, so mail servers and receivers can drop it.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

from samverkan.core.settings import get_settings
from samverkan.models import Notification
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


class LazyCertificatesContext(ssl.SSLContext):
    """A verifying TLS client context that reads the system CA bundle on its first handshake, not when made.

    Apprise 1.13 builds `ssl.create_default_context()` for every e-mail, even over plain SMTP, and loading the
    CA bundle costs ~25 ms each time: most of a message's cost. Verification is unchanged: a context that
    verifies loads the certificates before it wraps a socket; one set to CERT_NONE never needs them.
    """

    _certificates_loaded = False

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if self.verify_mode != ssl.CERT_NONE and not self._certificates_loaded:
            self.load_default_certs()
            self._certificates_loaded = True
        return super().wrap_socket(*args, **kwargs)


def lazy_default_context(purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, **_: Any) -> ssl.SSLContext:
    if purpose != ssl.Purpose.SERVER_AUTH:
        return ssl.create_default_context(purpose)
    return LazyCertificatesContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname, as the default


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


_message_ids = threading.local()


def _keyed_msgid(idstring: str | None = None, domain: str | None = None) -> str:
    """Apprise's make_msgid, answering with this thread's derived Message-ID while one is set."""
    derived: str | None = getattr(_message_ids, "current", None)
    return derived or make_msgid(idstring, domain)


@lru_cache
def _apprise_log() -> PerThreadLog:
    handler = PerThreadLog()
    logger = logging.getLogger("apprise")
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    return handler


@lru_cache
def _quiet_apprise() -> Any:
    """Apprise for bulk sending: the e-mail plugin's built-in 4.4 s pause between messages switched off (pacing
    is the SMTP server's business), its TLS context made lazily (see LazyCertificatesContext) and its Message-ID
    the one derived from the idempotency key."""
    import apprise
    from apprise.plugins.email import NotifyEmail
    from apprise.plugins.email import base as email_base

    NotifyEmail.request_rate_per_sec = 0
    shim = ModuleType("ssl")
    shim.__dict__.update({name: getattr(ssl, name) for name in dir(ssl) if not name.startswith("__")})
    shim.create_default_context = lazy_default_context  # type: ignore[attr-defined]
    email_base.ssl = shim  # type: ignore[attr-defined]
    email_base.make_msgid = _keyed_msgid  # type: ignore[attr-defined]
    _apprise_log()
    return apprise


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


def send_one(url_template: str, notification: Notification, html: str, sender_query: str = "") -> str | None:
    """Send over one route (an e-mail with the `sender_query` parameters: notifications.sender); None on success,
    else the reason (this message's own, never containing a secret)."""
    apprise = _quiet_apprise()
    email = channel_of(url_template).value == "email"
    try:
        url = resolve(url_template + sender_query if email else url_template)
    except (MissingSecretError, ValueError) as exc:  # a missing variable or a malformed secrets file
        return str(exc)
    sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))  # sent in this thread: its log is ours
    if not sender.add(url):
        return f"Apprise känner inte igen adressen ({redact(url_template)})"
    attachments = [attachable(Path(a)) for a in notification.attachments if Path(a).is_file()]
    _message_ids.current = message_id(notification.idempotency_key)
    try:
        with _apprise_log().capture() as log:
            ok = sender.notify(
                title=notification.subject,
                body=html if email else notification.body_text,
                body_format=apprise.NotifyFormat.HTML if email else apprise.NotifyFormat.TEXT,
                attach=attachments or None,
            )
    finally:
        _message_ids.current = None
    if ok:
        return None
    return _without_secrets(" ".join(log[-2:]), url_template) or "mottagaren tog inte emot meddelandet"


def _without_secrets(reason: str, url_template: str) -> str:
    """A receiver's error may echo the URL: no secret may reach the log, plain or URL-encoded."""
    secrets = secret_values()
    for name in env_references(url_template):
        value = secrets.get(name)
        if value:
            reason = reason.replace(value, "***").replace(url_encoded(value), "***")
    return reason
