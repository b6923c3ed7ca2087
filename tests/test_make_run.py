"""`make run` as a new user meets it: the demo log-ins, then the server, then the worker, one
line per event; Ctrl-C (or SIGTERM, or the terminal closing) stops both processes, cleanly.

Real processes on a free port, in a var/ folder of their own, migrated and seeded once.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LAST_LOGIN_ROW = "logistics"  # the table's last row (aftersales/demo/people.py)
SERVER_LINE = "Django version"  # runserver's second line, after the time (checks ran once, before the table)


def _environment(var: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL", "SITE_URL", "DJANGO_SETTINGS_MODULE", "HUEY_IMMEDIATE")
    }
    environment.update(AFTERSALES_VAR_DIR=str(var), PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
    return environment


def _manage(var: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_environment(var), check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def seeded_var(tmp_path_factory) -> Path:
    """A var/ folder as `make demo` leaves it: migrated, seeded, one delivery queued."""
    var = tmp_path_factory.mktemp("var")
    _manage(var, "migrate", "--noinput", "--verbosity", "0")
    _manage(var, "seed_demo")
    return var


@pytest.fixture
def var(seeded_var, tmp_path) -> Path:
    """A fresh copy for each run (the worker consumes the queued delivery)."""
    copy = tmp_path / "var"
    shutil.copytree(seeded_var, copy)
    return copy


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Run:
    """`manage.py run_demo` in a session of its own, as the terminal's foreground job."""

    def __init__(self, var: Path, port: int, log: Path):
        self.port, self.log = port, log
        self.output = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_demo", "--port", str(port)],
            cwd=ROOT,
            env=_environment(var),
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, f"no {needle!r} in:\n{self.text()}"
            time.sleep(0.2)

    def children(self) -> list[int]:
        return [pid for pid in _pids() if _parent(pid) == self.process.pid]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.output.close()


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def run(var, tmp_path):
    started = []

    def start(port: int | None = None) -> Run:
        started.append(Run(var, port or _free_port(), tmp_path / "run.log"))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def _serving(run: Run) -> None:
    """Wait until the page answers and the worker has run its first task."""
    run.wait_for("executed in")
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{run.port}/login/", timeout=10) as response:
                assert response.status == 200
                return
        except OSError:
            assert time.monotonic() < deadline, run.text()
            time.sleep(0.2)


@pytest.mark.parametrize(
    ("send", "signal_number"),
    [
        pytest.param(lambda p: os.killpg(p.pid, signal.SIGINT), signal.SIGINT, id="ctrl-c-to-the-foreground-group"),
        pytest.param(lambda p: p.send_signal(signal.SIGTERM), signal.SIGTERM, id="sigterm"),
        pytest.param(lambda p: os.killpg(p.pid, signal.SIGHUP), signal.SIGHUP, id="terminal-closed"),
    ],
)
def test_a_stop_signal_stops_the_server_and_the_worker_and_nothing_is_left(run, send, signal_number):
    demo = run()
    _serving(demo)
    children = demo.children()
    assert len(children) == 2

    send(demo.process)

    assert demo.process.wait(timeout=30) == 0
    assert not [pid for pid in children if _alive(pid)]
    text = demo.text()
    assert "Segmentation fault" not in text and "Traceback" not in text
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", demo.port), timeout=2).close()


def test_a_port_in_use_is_said_in_one_line_and_nothing_is_started(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        demo = run(taken.getsockname()[1])

        assert demo.process.wait(timeout=60) == 1
    assert not demo.children()
    assert "is in use" in demo.text() and "Traceback" not in demo.text()


def test_the_log_in_table_comes_just_before_the_server_and_the_worker_after_it(run):
    demo = run()
    _serving(demo)
    lines = demo.text().splitlines()

    last_row = max(i for i, line in enumerate(lines) if line.startswith(LAST_LOGIN_ROW + " "))
    server = next(i for i, line in enumerate(lines) if SERVER_LINE in line) - 1
    worker = next(i for i, line in enumerate(lines) if " huey" in line)
    assert [line for line in lines[last_row + 1 : server] if line.strip()] == []
    assert server < worker
    # The system checks run once, before the table, not again in the server and the worker.
    assert sum("System check identified" in line for line in lines[last_row:]) == 0


def test_the_worker_writes_one_line_per_task_run(run):
    demo = run()
    _serving(demo)
    time.sleep(1)  # the minute's other periodic tasks
    worker_lines = [line for line in demo.text().splitlines() if " huey" in line]

    assert worker_lines
    assert len(worker_lines) == len(set(worker_lines))
    for line in worker_lines:
        task_id = line.rsplit(": ", 1)[-1].split()[0]
        assert sum(task_id in other for other in worker_lines) == 1, worker_lines
        assert line.startswith("[") and " INFO huey: " in line
    assert any("deliver_soon" in line for line in worker_lines)  # the delivery the seeding queued


def test_ctrl_c_on_make_run_leaves_no_process_and_no_crash(var, tmp_path):
    """The Makefile's own recipe, as typed: `make run PORT=…` (set-up already done)."""
    port = _free_port()
    log = tmp_path / "make.log"
    with log.open("wb") as output:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "run", f"PORT={port}"],
            cwd=ROOT,
            env=_environment(tmp_path / "var"),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            demo = Run.__new__(Run)
            demo.port, demo.log, demo.process = port, log, make
            _serving(demo)
            session = [pid for pid in _pids() if pid != make.pid and _session(pid) == make.pid]
            descendants = [pid for pid in _pids() if _descends_from(pid, make.pid)]
            os.killpg(make.pid, signal.SIGINT)
            returncode = make.wait(timeout=30)
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
                make.wait()
    time.sleep(0.5)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert returncode in (0, -signal.SIGINT), text
    assert len(descendants) >= 3  # the supervisor, the server, the worker
    assert not [pid for pid in set(session + descendants) if _alive(pid)], text
    assert "Segmentation fault" not in text and "Traceback" not in text


def _session(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
    except OSError:
        return None


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid not in (None, 0, 1):
        pid = _parent(pid)
        if pid == ancestor:
            return True
    return False
