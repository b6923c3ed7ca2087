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


LOGGING_PROBE = """
import django, logging, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
django.setup()
from django.conf import settings
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey import HUEY
from aftersales.core.errors import DomainError

logger = logging.getLogger("huey")
if not logger.handlers:  # what `manage.py run_huey` does before it starts the consumer
    ConsumerConfig(**settings.HUEY["consumer"]).setup_logger(logger)

@HUEY.task()
def succeeds():
    return 42

@HUEY.task()
def refuses():
    raise DomainError("the case is closed")

@HUEY.task()
def breaks():
    raise RuntimeError("database is locked")

HUEY.execute(globals()[sys.argv[1]].s())
"""


@pytest.mark.parametrize(
    ("task", "expected_lines", "traceback"),
    [
        pytest.param("succeeds", 1, False, id="a-task-run-is-one-line"),
        pytest.param("refuses", 1, False, id="a-domain-error-is-one-line"),
        pytest.param("breaks", None, True, id="a-real-failure-keeps-its-traceback"),
    ],
)
def test_the_worker_logs_each_event_once(tmp_path, task, expected_lines, traceback):
    environment = {name: value for name, value in os.environ.items() if name not in ("REDIS_URL", "LOG_LEVEL")}
    environment.update(AFTERSALES_VAR_DIR=str(tmp_path), HUEY_IMMEDIATE="0")
    result = subprocess.run(
        [sys.executable, "-c", LOGGING_PROBE, task], capture_output=True, text=True, env=environment, timeout=60
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    events = [line for line in lines if line.startswith("[")]

    assert len(events) == len(set(events)) and events, result.stderr
    assert ("Traceback" in result.stderr) is traceback
    if expected_lines is not None:
        assert len(lines) == expected_lines, result.stderr


@pytest.mark.parametrize(
    ("setting", "module"),
    [
        pytest.param({}, "django.core.mail.backends.console", id="console-mail"),
        pytest.param({"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}, "smtplib", id="smtp-mail"),
    ],
)
def test_the_senders_backends_are_imported_at_start_not_by_the_worker_threads(tmp_path, setting, module):
    probe = (
        "import django, os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'aftersales.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.EMAIL_BACKEND in sys.modules or settings.EMAIL_BACKEND.rsplit('.', 1)[0] in sys.modules)\n"
        f"print({module!r} in sys.modules if {module!r} else True)\n"
    )
    environment = {name: value for name, value in os.environ.items() if name not in ("REDIS_URL", "EMAIL_BACKEND")}
    environment.update(AFTERSALES_VAR_DIR=str(tmp_path), **setting)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, timeout=60)

    assert result.stdout.split() == ["True", "True"], result.stderr


@pytest.mark.parametrize("setting", [{"EMAIL_BACKEND": "no.such.Backend"}, {"NOTIFY_SMS_BACKEND": "no.such.Sender"}])
def test_a_sender_backend_that_does_not_exist_fails_at_start(tmp_path, setting):
    environment = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    environment.update(AFTERSALES_VAR_DIR=str(tmp_path), **setting)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=environment, timeout=60
    )

    assert result.returncode != 0 and "No module named 'no'" in result.stderr
