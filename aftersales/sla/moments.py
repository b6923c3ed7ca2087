"""The service levels act on the case's moments (`aftersales.cases.signals`): the case announces
them, this module starts, meets, pauses, resumes, stops and recomputes its clocks, and keeps the
suspension's expected-end alarm. Connected in SlaConfig.ready; every receiver runs inside the
case service's transaction, so its writes commit or roll back with the case's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.cases import signals
from aftersales.cases.models import RELATED_ROWS, Act, Case, Status
from aftersales.cases.providers import provide_clocks
from aftersales.sla import services as sla
from aftersales.sla import suspensions
from aftersales.sla.display import case_clocks
from aftersales.sla.models import ACT_MEETS, Clock, ClockKind, ClockStart, Escalation


def on_case_opening(sender, *, case: Case, at: dt.datetime, **kwargs: Any) -> list[Clock]:
    """Clocks from the opening time; the "severity A at opening" rule notifies executives now.
    The case's next due time is set, not saved: the opening writes it with the number."""
    return sla.start_clocks(case, at=at, new_case=True)


def _accepted(case: Case, at: dt.datetime, params: dict) -> None:
    sla.meet(case, [ClockKind.SIGN_OFF, ClockKind.RESPONSE], at=at)


def _suspended(case: Case, at: dt.datetime, params: dict) -> None:
    sla.pause(case, at=at)
    suspensions.schedule_end_reminder(params["suspension"])


def _unsuspended(case: Case, at: dt.datetime, params: dict) -> None:
    sla.resume(case, at=at)


def _resolved(case: Case, at: dt.datetime, params: dict) -> None:
    sla.meet(case, [ClockKind.RESTORE], at=at)
    sla.stop_clocks(case, at=at)
    sla.start_clocks(case, at=at, starts=ClockStart.RESOLUTION)


def _closed(case: Case, at: dt.datetime, params: dict) -> None:
    sla.stop_clocks(case, at=at, keep=[ClockKind.FAULT_REPORT])


def _finished(case: Case, at: dt.datetime, params: dict) -> None:
    sla.stop_clocks(case, at=at)


def _reopened(case: Case, at: dt.datetime, params: dict) -> None:
    sla.start_clocks(case, at=at)


# The case workflow's rows (`cases.workflow.TRANSITIONS`, by action) and what each does to the clocks.
ON_MOVE = {
    "accept": _accepted,
    "suspend": _suspended,
    "unsuspend": _unsuspended,
    "resolve": _resolved,
    "close": _closed,
    "reopen": _reopened,
    "reject": _reopened,
    "cancel": _finished,
    "merge": _finished,
}


def on_case_moved(
    sender, *, case: Case, at: dt.datetime, action: str, from_status: str, params: dict, **kwargs: Any
) -> None:
    handler = ON_MOVE.get(action)
    if handler is not None:
        handler(case, at, params)
    if from_status == Status.SUSPENDED:
        suspensions.cancel_end_reminders(case, at=at)


def on_severity_changed(sender, *, case: Case, at: dt.datetime, **kwargs: Any) -> list[str]:
    """The running clocks recomputed for the new severity: a line per clock for the timeline."""
    return sla.severity_changed(case, at=at)


def on_act_recorded(sender, *, case: Case, at: dt.datetime, act: str, **kwargs: Any) -> None:
    """An act meets the clock it satisfies, or (an HQ engineer requested) starts the one it asks for."""
    if act == Act.DEPART_REQUESTED:
        sla.start_clocks(case, at=at, starts=ClockStart.REQUEST, kinds=[ClockKind.DEPART])
    else:
        sla.meet(case, ACT_MEETS.get(act, ()), at=at)


def on_replied_publicly(sender, *, case: Case, at: dt.datetime, **kwargs: Any) -> None:
    sla.meet(case, [ClockKind.REPLY, ClockKind.FIRST_CONTACT], at=at)


def on_progress_noted(sender, *, case: Case, at: dt.datetime, **kwargs: Any) -> None:
    sla.progress_noted(case, at=at)


def register() -> None:
    """Connect the receivers, and give the case its clocks and escalations (`case.clocks`, the clock panel)."""
    signals.case_opening.connect(on_case_opening, dispatch_uid="sla-start-clocks")
    signals.case_moved.connect(on_case_moved, dispatch_uid="sla-case-moved")
    signals.severity_changed.connect(on_severity_changed, dispatch_uid="sla-severity-changed")
    signals.act_recorded.connect(on_act_recorded, dispatch_uid="sla-act-recorded")
    signals.replied_publicly.connect(on_replied_publicly, dispatch_uid="sla-replied")
    signals.progress_noted.connect(on_progress_noted, dispatch_uid="sla-progress-noted")
    RELATED_ROWS["clocks"] = lambda case: Clock.objects.filter(case=case)
    RELATED_ROWS["escalations"] = lambda case: Escalation.objects.filter(case=case)
    provide_clocks(case_clocks)
