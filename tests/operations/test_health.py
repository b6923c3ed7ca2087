"""/healthz: the database, the cache, the queue and a worker's heartbeat, each failure named."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
import time_machine
from django.core.cache import caches
from huey import RedisHuey
from huey.contrib import djhuey

from aftersales.operations.health import record_heartbeat
from aftersales.operations.models import WorkerHeartbeat
from tests.operations.conftest import run_python

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ALL_OK = {"database": "ok", "cache": "ok", "queue": "ok", "worker": "ok"}


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _queue(isolated_queue):
    return isolated_queue


@pytest.mark.django_db
def test_healthy_answers_200_with_every_check_ok(client, django_assert_max_num_queries):
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
    # SELECT 1 and the newest heartbeat: cheap enough for a probe every few seconds.
    with time_machine.travel(T0 + dt.timedelta(seconds=119), tick=False), django_assert_max_num_queries(2):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_a_stale_heartbeat_answers_503_naming_the_worker(client):
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
    with time_machine.travel(T0 + dt.timedelta(minutes=2, seconds=1), tick=False):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "failed", "checks": {**ALL_OK, "worker": "stale"}, "failed": ["worker"]}


@pytest.mark.django_db
def test_no_heartbeat_ever_answers_503(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "missing"


@pytest.mark.django_db
def test_the_heartbeat_task_stamps_this_worker_and_forgets_silent_ones():
    from aftersales.operations.tasks import heartbeat

    with time_machine.travel(T0, tick=False):
        WorkerHeartbeat.objects.create(worker="gone-host:1", beat_at=T0 - dt.timedelta(days=2))
        heartbeat.call_local()

    assert list(WorkerHeartbeat.objects.values_list("beat_at", flat=True)) == [T0]


@pytest.mark.django_db
def test_redis_unreachable_fails_the_cache_and_the_queue(client, settings, monkeypatch):
    record_heartbeat()
    wrong = "redis://127.0.0.1:1/6"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": wrong}}
    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("aftersales-test", url=wrong))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "cache": "failed", "queue": "failed", "worker": "ok"}
    assert body["failed"] == ["cache", "queue"]
    assert "refused" not in response.content.decode().lower()  # the reason is logged, not shown


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
@pytest.mark.django_db
def test_redis_reachable_passes_the_cache_and_the_queue(client, settings, monkeypatch):
    record_heartbeat()
    url = "redis://127.0.0.1:6379/6"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("aftersales-health-test", url=url))

    response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    caches["default"].delete("healthz:probe")


DATABASE_DOWN = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_database_down_answers_503_naming_the_database(tmp_path):
    # Nothing listens on port 1: every connection is refused.
    result = run_python(DATABASE_DOWN, tmp_path=tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/aftersales")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["checks"] == {"database": "failed", "cache": "ok", "queue": "ok", "worker": "failed"}
    assert "health check database failed" in result.stderr  # why, for the operator


def test_healthz_needs_no_login_and_takes_only_get(client, db):
    assert client.get("/healthz").status_code in {200, 503}
    assert client.post("/healthz").status_code == 405
