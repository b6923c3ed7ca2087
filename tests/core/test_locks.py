"""A periodic job's lock dies with its holder: a worker killed mid-run blocks no later run.

A real child process takes the lock and is killed with SIGKILL, as the OOM killer or a lost
host would; the job then runs again. On SQLite the lock is a file lock in the var folder, on
PostgreSQL a session advisory lock on the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from aftersales.core.locks import held_while_alive, one_at_a_time
from aftersales.sla.tasks import sweep_clocks

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
django.setup()
from aftersales.core.locks import held_while_alive
with held_while_alive(sys.argv[1]) as held:
    print("held" if held else "refused", flush=True)
    time.sleep(600)
"""


def _holder(name: str, **env: str) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(env)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, name], cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def _kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


def _held_here(name: str) -> bool:
    with held_while_alive(name) as held:
        return held


def _held_by_another_thread(name: str) -> bool:
    """As another worker thread of the same consumer would find it (its own connection)."""
    found = []

    def look() -> None:
        try:
            found.append(_held_here(name))
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(timeout=30)
    return found[0]


@pytest.fixture
def child_environment(settings, tmp_path):
    """The child and this process share a var folder and, on PostgreSQL, the test database."""
    settings.VAR_DIR = tmp_path
    env = {"AFTERSALES_VAR_DIR": str(tmp_path)}
    if connection.vendor == "postgresql":
        url = urlsplit(settings.DATABASE_URL)
        env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    return env


@pytest.mark.django_db
def test_a_killed_holder_leaves_the_lock_free(child_environment):
    child = _holder("sla-sweep", **child_environment)
    try:
        assert not _held_here("sla-sweep")
    finally:
        _kill(child)
    assert _held_here("sla-sweep")


@pytest.mark.django_db
def test_the_sweep_runs_again_after_a_worker_died_during_one(child_environment):
    child = _holder("sla-sweep", **child_environment)
    try:
        assert sweep_clocks.call_local() is None, "a sweep under way elsewhere: this one is skipped"
    finally:
        _kill(child)
    assert isinstance(sweep_clocks.call_local(), dict)


@pytest.mark.django_db(transaction=True)
def test_another_thread_finds_the_lock_taken_while_a_run_is_under_way(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    runs = []

    @one_at_a_time("job")
    def job():
        runs.append(_held_by_another_thread("job"))
        return "done"

    assert job() == "done"
    assert runs == [False]
    assert _held_by_another_thread("job"), "released when the run ends"


def test_the_periodic_jobs_use_locks_that_die_with_their_holder():
    """Huey's lock_task would outlive a killed worker (a key in the queue's storage)."""
    for module in ("aftersales/sla/tasks.py", "aftersales/inbox/tasks.py"):
        source = (ROOT / module).read_text()
        assert "lock_task" not in source and "@one_at_a_time(" in source, module
