"""Prometheus instruments that the mechanisms and the mail intake feed (`docs/operations.md`).

They live in the kernel so that any layer may observe into them; the `/metrics` endpoint
(`aftersales.operations.metrics`) reads them together with the values computed at scrape time.
With PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps each process's values in files
there, so the worker's observations are scraped through any web process of the same host.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SWEEP_DURATION = Histogram(
    "aftersales_deadline_sweep_duration_seconds",
    "How long one sweep of the deadlines (breaches and alarms) took.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

MAILBOX_FETCH_ERRORS = Counter(
    "aftersales_mailbox_fetch_errors",
    "Fetches of a mailbox that failed (connection, log-in, folder, …).",
    ["mailbox"],
)
