"""`make run`: the web server and the worker together, the demo log-ins first; Ctrl-C stops both.

A small supervisor rather than a shell `trap`: the children run in process groups of their
own, so a Ctrl-C (or a SIGTERM, or the terminal closing) reaches this command alone, which
asks each child once to stop (SIGINT: runserver quits, Huey finishes its running tasks),
waits, and kills what is still there after STOP_SECONDS. If either child ends by itself (the
port is taken, say), the other is stopped too and its exit code is this command's. On Linux
the children also get SIGTERM should this command itself be killed outright.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

STOP_SECONDS = 15
READY_SECONDS = 60
POLL_SECONDS = 0.1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Command(BaseCommand):
    help = "Run the web server and the worker until Ctrl-C, after printing the demo log-ins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0: every interface)")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options):
        url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
        os.environ.setdefault("SITE_URL", url.rstrip("/"))  # links in the mail the worker sends
        call_command("demo_logins", url=url, stdout=self.stdout)
        self.stdout.flush()
        code = Supervisor(host, port).run()
        if code:
            sys.exit(code)


class Supervisor:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.children: list[subprocess.Popen] = []
        self.stop_requested = False

    def run(self) -> int:
        """Serve until a stop signal (returns 0) or until a child ends (returns its code)."""
        if not self._port_free():
            print(f"Error: {self._bind_address()}:{self.port} is in use; try another: make run PORT=…", file=sys.stderr)
            return 1
        for number in STOP_SIGNALS:
            signal.signal(number, self._request_stop)
        try:
            # This command ran the system checks once, before the log-in table: the children skip them.
            web = self._start("runserver", "--noreload", "--skip-checks", f"{self._bind_address()}:{self.port}")
            if self._wait_until_listening(web):
                self._start("run_huey", "--skip-checks")
            ended = self._wait_for_stop_or_exit()
        finally:
            self._stop_all()
        if ended is None:
            return 0
        return ended.returncode if ended.returncode > 0 else 1  # a child never ends well by itself

    def _request_stop(self, signum, frame) -> None:
        self.stop_requested = True

    def _port_free(self) -> bool:
        """Whether we may listen there: else the readiness probe would find the other server."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver does
            try:
                probe.bind((self.host, self.port))
            except OSError:
                return False
        return True

    def _bind_address(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def _start(self, *command: str) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=_project_dir(),
            process_group=0,  # the terminal's Ctrl-C is ours to pass on, once
            preexec_fn=_die_with_parent,
        )
        self.children.append(child)
        return child

    def _wait_until_listening(self, web: subprocess.Popen) -> bool:
        """Start the worker once the server listens, so its lines come after the server's own."""
        probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        deadline = time.monotonic() + READY_SECONDS
        while not self.stop_requested and web.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection((probe, self.port), timeout=POLL_SECONDS).close()
                return True
            except OSError:
                time.sleep(POLL_SECONDS)
        return web.poll() is None and not self.stop_requested

    def _wait_for_stop_or_exit(self) -> subprocess.Popen | None:
        while not self.stop_requested:
            for child in self.children:
                if child.poll() is not None:
                    return child
            time.sleep(POLL_SECONDS)
        return None

    def _stop_all(self) -> None:
        for number in STOP_SIGNALS:  # a second Ctrl-C must not cut the clean stop short
            signal.signal(number, signal.SIG_IGN)
        running = [child for child in self.children if child.poll() is None]
        for child in running:
            child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_SECONDS
        for child in running:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                print(f"{_command_name(child)} did not stop within {STOP_SECONDS} s: killed.", file=sys.stderr)


def _project_dir() -> str:
    from django.conf import settings

    return str(settings.BASE_DIR)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for a SIGTERM when the supervisor dies."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _command_name(child: subprocess.Popen) -> str:
    """The manage.py command a child runs ("runserver", "run_huey")."""
    args = child.args
    return str(args[2]) if isinstance(args, list | tuple) and len(args) > 2 else str(args)
