"""What the terminal shows: one line per event, a traceback only for what is really broken.

Used by `LOGGING` in settings. A refusal the application meant to give (403, 404, a domain
error) is an ordinary outcome: it is logged as its one line, without the stack it was raised
from. Anything else keeps its traceback.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from aftersales.core.errors import DomainError

EXPECTED_REFUSALS = (PermissionDenied, Http404, ObjectDoesNotExist, DomainError)


class ExpectedRefusalFilter(logging.Filter):
    """Drop the traceback of an expected refusal; say what it was on the same line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        status = getattr(record, "status_code", None)
        refused = isinstance(error, EXPECTED_REFUSALS) or (error is not None and status is not None and status < 500)
        if refused:
            reason = str(getattr(error, "message", "") or error)
            if reason:
                record.msg = f"{record.getMessage()} ({type(error).__name__}: {reason})"
                record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class OneLineFormatter(logging.Formatter):
    """A message spread over several lines (Huey's list of tasks) is kept on one."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).replace("\n", " ")


class TaskStartFilter(logging.Filter):
    """Huey writes a line when a task starts and one when it ends; the end ("… executed in
    0.051s") says both. The start line is kept for LOG_LEVEL=DEBUG (to see a task that hangs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Executing %s":
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True
