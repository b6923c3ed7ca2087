"""The demo's past, settled: what weeks of history would have left behind, nothing sent as new."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from aftersales.notifications.services import record_as_history
from aftersales.sla.services import sweep

if TYPE_CHECKING:
    from aftersales.cases.models import Case


def settle_the_past(*, cases: list[Case]) -> None:
    """Leave the demo as a worker running all along would have left it, and send nothing old.

    The cases are weeks of history: the targets they missed are marked and the escalations
    due by now fire here (the timeline, raised tiers), so the worker's first sweep has no
    backlog to burst through; what the loading queued (acknowledgements, assignments,
    escalations) is recorded as history, never sent (`record_as_history`). What falls due
    after loading is live: marked, escalated and notified as on any case.
    """
    now = timezone.now()
    while any(sweep(now=now).values()):
        pass  # a batch at a time (SWEEP_BATCH)
    record_as_history(cases=cases)
