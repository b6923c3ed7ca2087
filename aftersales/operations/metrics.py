"""The Prometheus exposition: what the processes counted and timed (django-prometheus' request
metrics, `aftersales.core.metrics`), plus values read at scrape time from the database and
the queue (`StateCollector`).

Single process: the default registry. With PROMETHEUS_MULTIPROC_DIR set (several gunicorn
workers and Huey workers on one host), every process writes its values to files there and a
scrape adds them up through `MultiProcessCollector`, whichever web process answers it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from aftersales.api.throttling import client_address
from aftersales.notifications.models import Notification
from aftersales.operations.health import last_heartbeat, queue_length

logger = logging.getLogger(__name__)

UNDELIVERED = (Notification.Status.PENDING, Notification.Status.SENDING)


class StateCollector(Collector):
    """Backlogs computed when scraped: a few indexed counts, no per-case work. A reading that
    fails (the database or Redis down) is left out and logged; the counted metrics are still
    served, and `aftersales_scrape_errors` says how many readings were left out."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        errors = 0
        for name, documentation, read in READINGS:
            try:
                value = read()
            except Exception as error:
                logger.warning("metric %s not read: %s: %s", name, type(error).__name__, error)
                errors += 1
                continue
            yield GaugeMetricFamily(name, documentation, value=value)
        yield GaugeMetricFamily("aftersales_scrape_errors", "Readings left out of this scrape.", value=errors)


def _undelivered():
    return Notification.objects.filter(status__in=UNDELIVERED)


def _seconds_since(at) -> float:
    return (timezone.now() - at).total_seconds()


def _oldest_undelivered_age() -> float:
    oldest = _undelivered().aggregate(oldest=Min("created_at"))["oldest"]
    return _seconds_since(oldest) if oldest else 0.0


def _heartbeat_age() -> float:
    beat = last_heartbeat()
    return _seconds_since(beat) if beat else -1.0


READINGS: list[tuple[str, str, Callable[[], float]]] = [
    ("aftersales_queue_pending_tasks", "Tasks waiting in the worker queue (Huey).", queue_length),
    (
        "aftersales_outbox_backlog",
        "Notifications not delivered yet (pending or sending).",
        lambda: _undelivered().count(),
    ),
    (
        "aftersales_outbox_oldest_undelivered_age_seconds",
        "Age of the oldest notification not delivered yet (0 when none waits).",
        _oldest_undelivered_age,
    ),
    (
        "aftersales_worker_heartbeat_age_seconds",
        "Seconds since a worker last ran its periodic heartbeat (-1: never).",
        _heartbeat_age,
    ),
]


class Scrape:
    """Several collectors read as one registry."""

    def __init__(self, collectors: Iterable) -> None:
        self.collectors = list(collectors)

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def scrape() -> Scrape:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=directory)
        return Scrape([counted, StateCollector()])
    return Scrape([REGISTRY, StateCollector()])


def may_scrape(request) -> bool:
    """A bearer token equal to METRICS_TOKEN, or a client address within METRICS_ALLOWED_IPS
    (behind proxies, the address API_TRUSTED_PROXIES says is the client's)."""
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and given.startswith("Bearer ") and secrets.compare_digest(given[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)
