"""A real SMTP server (aiosmtpd) and a real HTTP server for the webhooks, both on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The aiosmtpd handler: keeps what it accepted; refuses the addresses in `refuse` (550)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage, bytes]] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(raw, policy=default_policy), raw)
            )
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for _sender, _rcpts, message, _raw in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [message for _sender, rcpts, message, _raw in self.received if address in rcpts]


class SmtpServer:
    """aiosmtpd on a fixed port that can be stopped (a mail server down) and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "service@aftersales.example"
    yield server
    server.stop()


class Hook:
    """A recorded webhook call."""

    def __init__(self, path: str, headers: dict, body: bytes) -> None:
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class WebhookServer:
    """http.server in a thread: records every POST and answers with `reply` (status, JSON)."""

    def __init__(self) -> None:
        self.calls: list[Hook] = []
        self.reply: tuple[int, dict] = (200, {"errcode": 0, "errmsg": "ok"})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.calls.append(Hook(self.path, dict(self.headers), body))
                status, reply = outer.reply
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhooks():
    server = WebhookServer()
    yield server
    server.close()


@pytest.fixture
def travel():
    """Frozen time travel: `travel(moment)` starts it; `travel.shift(minutes)` moves on."""
    travellers = []

    class Travel:
        def __call__(self, moment: dt.datetime):
            traveller = time_machine.travel(moment, tick=False)
            self.coordinates = traveller.start()
            travellers.append(traveller)
            return self.coordinates

        def shift(self, minutes: float) -> None:
            self.coordinates.shift(dt.timedelta(minutes=minutes))

    yield Travel()
    for traveller in reversed(travellers):
        traveller.stop()
