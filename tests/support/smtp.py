"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port).

The fixture is registered in tests/conftest.py; a test names it, then points the app at
it: ``app.config.update(smtp_server.config)``. ``smtp_server.messages`` holds every
accepted message (``email.message.EmailMessage``); set ``smtp_server.fail_with =
"451 4.3.0 Try again later"`` to make it refuse mail until you set it back to None;
add addresses to ``smtp_server.refuse_rcpt`` to have them refused with a 550.
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if address in self.server.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.fail_with:
            self.server.refused += 1
            return self.server.fail_with
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(msg)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list = []
        self.envelopes: list = []
        self.fail_with: str | None = None
        self.refused = 0
        self.refuse_rcpt: set[str] = set()  # recipients answered 550
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    @property
    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                "MAIL_USE_SSL": False, "MAIL_USERNAME": "", "MAIL_PASSWORD": "",
                "MAIL_FROM": "Events <events@example.org>", "MAIL_TIMEOUT": 5}

    def to(self, address: str) -> list:
        """Messages accepted for ``address``."""
        with self.lock:
            return [m for m in self.messages if address in m["To"]]

    def wait_for(self, address: str, n: int = 1, timeout: float = 10.0) -> list:
        """Wait until ``n`` messages for ``address`` arrived (background delivery)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.to(address)
            if len(got) >= n:
                return got
            time.sleep(0.02)
        return self.to(address)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def body_text(msg) -> str:
    """The text/plain part of a received message."""
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
