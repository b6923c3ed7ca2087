"""A real S3-compatible server for the tests: moto's server mode (the `moto[server]` package),
run as a separate process on a free port of 127.0.0.1 and spoken to over HTTP by boto3,
exactly as the application speaks to Amazon S3, MinIO or any other object store."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

ACCESS_KEY = "aftersales-test-key"
SECRET_KEY = "aftersales-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> S3Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto's server exited: {self.process.stderr.read().decode()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto's server did not answer on port {self.port}")

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


def _s3_error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    ).encode()


class _Failing(BaseHTTPRequestHandler):
    """Answers every request as a store in trouble does: 500 with S3's error document."""

    STATUS, BODY = 500, _s3_error("InternalError", "We encountered an internal error. Please try again.")

    def _answer(self, status: int, body: bytes) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self) -> None:
        self._answer(self.STATUS, self.BODY)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _fail

    def log_message(self, format, *args) -> None:
        pass


class _RefusingWrites(_Failing):
    """A key that may look but not write: every object is absent, every write is denied."""

    STATUS, BODY = 403, _s3_error("AccessDenied", "Access Denied")

    def do_HEAD(self) -> None:
        self._answer(404, b"")


class FailingServer:
    """An S3 endpoint that answers, but fails every request (500 InternalError), or with
    `refusing_writes` finds no object and refuses every write (403 AccessDenied)."""

    def __init__(self, *, refusing_writes: bool = False) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingWrites if refusing_writes else _Failing)
        self.endpoint_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FailingServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
