"""One log record per job the worker runs: task name, id, duration, outcome (logger
`aftersales.jobs`; shown when LOG_FORMAT=json, where Huey's own line is left out)."""

from __future__ import annotations

import logging
import time

from huey.exceptions import CancelExecution, RetryTask, TaskLockedException

logger = logging.getLogger("aftersales.jobs")

_STARTED = "_aftersales_started"


def outcome_of(error: BaseException | None) -> str:
    if error is None:
        return "complete"
    if isinstance(error, TaskLockedException):
        return "locked"
    if isinstance(error, RetryTask):
        return "retry"
    if isinstance(error, CancelExecution):
        return "cancelled"
    return "error"


def started(task) -> None:
    setattr(task, _STARTED, time.perf_counter())


def finished(task, value, error: BaseException | None) -> None:
    begun = getattr(task, _STARTED, None)
    duration_ms = round((time.perf_counter() - begun) * 1000, 1) if begun is not None else None
    outcome = outcome_of(error)
    logger.log(
        logging.INFO if outcome == "complete" else logging.WARNING,
        "job %s %s",
        task.name,
        outcome,
        extra={"task": task.name, "task_id": task.id, "duration_ms": duration_ms, "outcome": outcome},
    )


def register() -> None:
    """Hook into the project's Huey instance (called from `OperationsConfig.ready`)."""
    from huey.contrib.djhuey import HUEY

    HUEY.pre_execute(name="aftersales.jobs")(started)
    HUEY.post_execute(name="aftersales.jobs")(finished)
