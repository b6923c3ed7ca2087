"""The load balancer's question, answered cheaply: can this web process reach the database,
the cache and the task queue, and has a worker run its periodic heartbeat recently?

Each check is one small round trip (SELECT 1, a cache write and read, the queue's length, the
newest heartbeat through its index). What failed is named; why is only logged, never shown.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from aftersales.operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
STALE = "stale"
MISSING = "missing"
HEARTBEATS_KEPT = dt.timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record_heartbeat(*, now: dt.datetime | None = None) -> None:
    """Stamp this worker's row; forget workers silent for a day (restarted, scaled down)."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker_name(), defaults={"beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - HEARTBEATS_KEPT).delete()


def last_heartbeat() -> dt.datetime | None:
    return WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]


def queue_length() -> int:
    """Tasks waiting in Huey's queue (Redis: LLEN; SQLite: a count of its queue table)."""
    from huey.contrib.djhuey import HUEY

    return int(HUEY.pending_count())


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    token = secrets.token_hex(8)
    cache.set("healthz:probe", token, timeout=30)
    return OK if cache.get("healthz:probe") == token else FAILED


def check_queue() -> str:
    queue_length()
    return OK


def check_worker() -> str:
    last = last_heartbeat()
    if last is None:
        return MISSING
    age = (timezone.now() - last).total_seconds()
    return OK if age <= settings.HEALTH_HEARTBEAT_MAX_AGE else STALE


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "worker": check_worker,
}


def run_checks() -> dict[str, str]:
    """Every check's outcome by name: "ok", or what is wrong ("failed", "stale", "missing")."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "worker" and results.get("database") != OK:
            results[name] = FAILED  # the heartbeat lives in the database
            continue
        try:
            results[name] = check()
        except Exception as error:
            logger.warning("health check %s failed: %s: %s", name, type(error).__name__, error)
            results[name] = FAILED
    return results
