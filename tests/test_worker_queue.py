"""The worker's queue: SQLite by default, Redis when REDIS_URL is set (a real server)."""

import os
import socket
import subprocess
import sys
import uuid

import pytest

PROBE = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
django.setup()
from huey.contrib.djhuey import HUEY
message = sys.argv[1].encode()
HUEY.storage.enqueue(message)
assert HUEY.storage.dequeue() == message
print(type(HUEY.storage).__name__)
"""


def _probe(tmp_path, **env):
    environment = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    environment.update(AFTERSALES_VAR_DIR=str(tmp_path), **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, uuid.uuid4().hex], capture_output=True, text=True, env=environment, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def test_default_queue_is_sqlite_in_the_var_folder(tmp_path):
    assert _probe(tmp_path) == "SqliteStorage"
    assert (tmp_path / "huey.sqlite3").exists()


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_url_puts_the_queue_in_redis(tmp_path):
    assert _probe(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15") == "RedisStorage"
