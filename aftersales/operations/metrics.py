"""The Prometheus exposition: what the processes counted and timed (django-prometheus' request
metrics, `aftersales.core.metrics`), plus values read at scrape time from the database and
the queue (`StateCollector`).

Single process: the default registry. With PROMETHEUS_MULTIPROC_DIR set (several gunicorn
workers and Huey workers on one host), every process writes its values to files there and a
scrape adds them up through `MultiProcessCollector`, whichever web process answers it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from aftersales.api.throttling import client_address
from aftersales.notifications.models import Notification
from aftersales.operations.health import last_heartbeat, queue_length

UNDELIVERED = (Notification.Status.PENDING, Notification.Status.SENDING)


class StateCollector(Collector):
    """Backlogs computed when scraped: a few indexed counts, no per-case work."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        yield GaugeMetricFamily(
            "aftersales_queue_pending_tasks", "Tasks waiting in the worker queue (Huey).", value=queue_length()
        )
        undelivered = Notification.objects.filter(status__in=UNDELIVERED)
        yield GaugeMetricFamily(
            "aftersales_outbox_backlog",
            "Notifications not delivered yet (pending or sending).",
            value=undelivered.count(),
        )
        oldest = undelivered.aggregate(oldest=Min("created_at"))["oldest"]
        yield GaugeMetricFamily(
            "aftersales_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest notification not delivered yet (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
        beat = last_heartbeat()
        yield GaugeMetricFamily(
            "aftersales_worker_heartbeat_age_seconds",
            "Seconds since a worker last ran its periodic heartbeat (-1: never).",
            value=(now - beat).total_seconds() if beat else -1.0,
        )


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
