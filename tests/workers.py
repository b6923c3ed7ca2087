"""Which pytest-xdist worker runs this process (`make test` runs the suite on two)."""

from __future__ import annotations

import pytest


def worker_number(config: pytest.Config) -> int:
    """0 without xdist; n in the worker gw<n>. Per-worker resources (a Redis database, ...) use it."""
    worker = getattr(config, "workerinput", {}).get("workerid", "gw0")
    return int(worker.removeprefix("gw"))
