"""Real receivers on loopback for notification tests: an aiosmtpd SMTP server and an HTTP JSON receiver."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    """An SMTP server that keeps what it receives; can be stopped and started again on the same port.

    It accepts any login (and keeps it in `logins`); `refuse_recipients` makes it answer 550 to every RCPT.
    `tls`: a server context, offered with STARTTLS (and then required) or, with `implicit_tls`, from the start.
    `connections` counts the conversations (each greets once with EHLO before any TLS)."""

    port: int = field(default_factory=free_port)
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse_recipients: bool = False
    tls: ssl.SSLContext | None = None
    implicit_tls: bool = False
    connections: int = 0

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]) -> Any:
        if not session.ssl or self.implicit_tls:  # the EHLO again after STARTTLS is the same conversation
            self.connections += 1
        session.host_name = hostname
        return responses

    def __post_init__(self) -> None:
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_recipients:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)

    def start(self) -> None:
        tls: dict[str, Any] = {}
        if self.tls is not None and self.implicit_tls:
            tls = {"ssl_context": self.tls}
        elif self.tls is not None:
            tls = {"tls_context": self.tls, "require_starttls": True}
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, authenticator=self.authenticate, auth_require_tls=False, **tls
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=samverkan@fagersta.example&mode=insecure"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.received if address in recipients]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class JsonReceiver:
    """An HTTP server that records JSON posts; `fail_next` makes the next N posts answer 500."""

    def __init__(self) -> None:
        self.port = free_port()
        self.posts: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []  # the path each recorded post was sent to, in the order of `posts`
        self.fail_next = 0
        self.server: ThreadingHTTPServer | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.posts.append(json.loads(body))
                receiver.headers.append(dict(self.headers))
                receiver.paths.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.handler = Handler

    def start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"
