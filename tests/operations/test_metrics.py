"""/metrics: scraped as Prometheus would, its figures move with what happens; only the
allowed addresses or the bearer of the token may read it."""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core import mail
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from aftersales.inbox.fetch import fetch_mailbox
from aftersales.inbox.models import Mailbox
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from aftersales.notifications.services import queue_notification
from aftersales.operations.health import record_heartbeat
from aftersales.sla.services import sweep
from tests.operations.conftest import ROOT, run_python

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
UNDELIVERED = ["pending", "sending"]


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(autouse=True)
def _queue(isolated_queue):
    return isolated_queue


@pytest.mark.django_db
def test_request_latency_is_counted_by_view(client):
    before = value(
        scrape(client), "django_http_requests_latency_seconds_by_view_method_count", view="login", method="GET"
    )

    for _ in range(3):
        assert client.get("/login/").status_code == 200
    after = scrape(client)

    assert (
        value(after, "django_http_requests_latency_seconds_by_view_method_count", view="login", method="GET")
        == before + 3
    )
    assert value(after, "django_http_requests_latency_seconds_by_view_method_sum", view="login", method="GET") > 0


@pytest.mark.django_db
def test_queue_depth_is_the_number_of_waiting_tasks(client, isolated_queue):
    assert value(scrape(client), "aftersales_queue_pending_tasks") == 0

    isolated_queue.storage.enqueue(b"one")
    isolated_queue.storage.enqueue(b"two")

    samples = scrape(client)
    assert value(samples, "aftersales_queue_pending_tasks") == 2
    assert value(samples, "aftersales_scrape_errors") == 0


@pytest.mark.django_db
def test_outbox_backlog_and_the_oldest_undelivered_age_move_with_delivery(client, settings, case_a, engineer):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    engineer.email = "engineer@aftersales.example"
    engineer.save()
    Notification.objects.all().delete()
    with time_machine.travel(T0, tick=False):
        queue_notification(kind=Notification.Kind.CASE_ASSIGNED, recipients=[engineer], subject="x", case=case_a)
    waiting = Notification.objects.filter(status__in=UNDELIVERED)
    assert waiting.count() == 1

    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        samples = scrape(client)
    assert value(samples, "aftersales_outbox_backlog") == 1
    assert value(samples, "aftersales_outbox_oldest_undelivered_age_seconds") == 600

    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        deliver_due()  # the request passed on to the engineer's e-mail, and sent
    assert [message.to for message in mail.outbox] == [["engineer@aftersales.example"]]
    samples = scrape(client)
    assert value(samples, "aftersales_outbox_backlog") == waiting.count() == 0
    assert value(samples, "aftersales_outbox_oldest_undelivered_age_seconds") == 0


@pytest.mark.django_db
def test_every_sweep_of_the_deadlines_is_timed(client):
    before = scrape(client)

    sweep()
    sweep()
    after = scrape(client)

    name = "aftersales_deadline_sweep_duration_seconds"
    assert value(after, f"{name}_count") == value(before, f"{name}_count") + 2
    assert value(after, f"{name}_sum") > value(before, f"{name}_sum")


@pytest.mark.django_db
def test_a_failing_mailbox_fetch_is_counted_per_mailbox(client, tmp_path):
    mailbox = Mailbox.objects.create(name="support-metrics", kind=Mailbox.Kind.MAILDIR, path=str(tmp_path / "none"))
    before = value(scrape(client), "aftersales_mailbox_fetch_errors_total", mailbox="support-metrics")

    for _ in range(2):
        with pytest.raises(Exception, match="not a Maildir"):
            fetch_mailbox(mailbox)

    after = value(scrape(client), "aftersales_mailbox_fetch_errors_total", mailbox="support-metrics")
    assert after == before + 2


@pytest.mark.django_db
def test_worker_heartbeat_age(client):
    assert value(scrape(client), "aftersales_worker_heartbeat_age_seconds") == -1
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
    with time_machine.travel(T0 + dt.timedelta(seconds=75), tick=False):
        assert value(scrape(client), "aftersales_worker_heartbeat_age_seconds") == 75


# --- who may scrape --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_address_outside_the_allowed_ones_is_refused(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert b"aftersales_outbox_backlog" not in client.get("/metrics", REMOTE_ADDR="192.0.2.7").content


@pytest.mark.django_db
def test_the_bearer_token_lets_in_from_anywhere_and_a_wrong_one_does_not(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="s3cret-scrape-token").status_code == 403
    assert scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")


@pytest.mark.django_db
def test_behind_a_proxy_the_proxys_own_address_does_not_let_everyone_in(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.API_TRUSTED_PROXIES = 1

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


# --- several processes -----------------------------------------------------------------------

COUNT_IN_ANOTHER_PROCESS = """
from aftersales.core.metrics import MAILBOX_FETCH_ERRORS, SWEEP_DURATION
MAILBOX_FETCH_ERRORS.labels(mailbox="shared").inc()
SWEEP_DURATION.observe(0.2)
"""


@pytest.mark.django_db
def test_with_a_multiprocess_directory_the_scrape_adds_up_every_process(client, tmp_path, monkeypatch):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    for _ in range(2):  # two workers, each its own process
        result = run_python(COUNT_IN_ANOTHER_PROCESS, tmp_path=tmp_path, PROMETHEUS_MULTIPROC_DIR=str(directory))
        assert result.returncode == 0, result.stderr

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    samples = scrape(client)

    assert value(samples, "aftersales_mailbox_fetch_errors_total", mailbox="shared") == 2
    assert value(samples, "aftersales_deadline_sweep_duration_seconds_count") == 2
    assert value(samples, "aftersales_deadline_sweep_duration_seconds_sum") == pytest.approx(0.4)
    assert "aftersales_outbox_backlog" in {name for name, _labels in samples}  # read at scrape time


@pytest.mark.django_db
def test_a_reading_that_fails_is_left_out_and_the_rest_still_served(client, monkeypatch):
    from huey import RedisHuey
    from huey.contrib import djhuey

    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("aftersales-test", url="redis://127.0.0.1:1/6"))
    client.get("/login/")

    samples = scrape(client)

    names = {name for name, _labels in samples}
    assert "aftersales_queue_pending_tasks" not in names
    assert value(samples, "aftersales_scrape_errors") == 1
    assert {"aftersales_outbox_backlog", "django_http_requests_latency_seconds_by_view_method_count"} <= names


# --- through gunicorn, two worker processes ---------------------------------------------------


def _database_for_gunicorn(tmp_path) -> str:
    """The migrated test database: a file copy of SQLite's in-memory one, or PostgreSQL's own."""
    if connection.vendor == "sqlite":
        path = tmp_path / "db.sqlite3"
        copy = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture
def gunicorn_two_workers(transactional_db, tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TEST_DATABASE_NAME", "LOG_FORMAT"}}
    environment.update(
        AFTERSALES_VAR_DIR=str(tmp_path),
        DATABASE_URL=_database_for_gunicorn(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        ALLOWED_HOSTS="127.0.0.1",
    )
    command = [sys.executable, "-m", "gunicorn", "aftersales.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=environment)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", directory
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# Committed tables: SQLite's online backup cannot copy from a connection in a write transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_gunicorn_workers_are_added_up_whichever_answers_the_scrape(gunicorn_two_workers):
    url, directory = gunicorn_two_workers
    with ThreadPoolExecutor(max_workers=6) as pool:  # both workers get some of them
        statuses = list(pool.map(lambda _: _get(f"{url}/login/")[0], range(24)))
    assert statuses == [200] * 24

    for _ in range(4):  # each scrape answered by either worker: the same total
        status, text = _get(f"{url}/metrics")
        assert status == 200
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        name = "django_http_requests_latency_seconds_by_view_method_count"
        assert value(samples, name, view="login", method="GET") == 24
        assert value(samples, "aftersales_scrape_errors") == 0
    # Both worker processes wrote their own files there.
    assert len({path.stem.rsplit("_", 1)[-1] for path in directory.glob("histogram_*.db")}) == 2


def test_a_wrong_allowed_address_stops_the_start_with_the_variable_named(tmp_path):
    result = run_python("import django; django.setup()", tmp_path=tmp_path, METRICS_ALLOWED_IPS="10.0.0.0/8,prometheus")

    assert result.returncode != 0
    assert "METRICS_ALLOWED_IPS: 'prometheus' is not an address or network" in result.stderr
