"""Clocks the way people read them: 剩余 25 分钟, 已超时 1 小时 10 分, green/amber/red.

The words, colours and business-time maths are the deadlines mechanism's
(`aftersales.deadlines.display`); this module reads a case's clocks with them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from aftersales.cases.models import Status
from aftersales.deadlines.display import (
    LIVE_STATES,
    WARNING_MINUTES,
    DeadlineView,
    due_in_words,
    paused_words,
    span_in_words,
    view,
)
from aftersales.sla.models import Clock

__all__ = [
    "WARNING_MINUTES",
    "ClockView",
    "case_clocks",
    "case_due",
    "due_in_words",
    "paused_words",
    "span_in_words",
    "view_clock",
]


class ClockView(DeadlineView):
    @property
    def clock(self) -> Clock:
        assert isinstance(self.deadline, Clock)
        return self.deadline

    @property
    def label(self) -> str:
        return self.clock.get_kind_display()


def view_clock(clock: Clock, now: dt.datetime | None = None) -> ClockView:
    result = view(clock, now, cls=ClockView)
    assert isinstance(result, ClockView)
    return result


def case_clocks(case, now: dt.datetime | None = None) -> list[ClockView]:
    """The case's clocks, running ones first by due time; of finished ones only the latest of
    each kind (a progress clock restarts with every note: the history is in the timeline)."""
    views = [view_clock(clock, now) for clock in case.clocks.select_related("calendar").order_by("-due_at")]
    live = [v for v in views if v.state in LIVE_STATES]
    live_kinds = {v.clock.kind for v in live}
    latest_finished: dict[str, ClockView] = {}
    for one in views:
        if one.state not in LIVE_STATES and one.clock.kind not in live_kinds:
            latest_finished.setdefault(one.clock.kind, one)
    return sorted(live, key=lambda v: v.clock.due_at) + sorted(latest_finished.values(), key=lambda v: v.clock.due_at)


def case_due(case, now: dt.datetime | None = None) -> tuple[str, str, dt.datetime | None]:
    """A case's next deadline for lists (queue, board, portal): (words, colour, due time).

    A suspended case has no running clock: it shows "paused" with the business time its
    nearest clock will have left when it resumes, never the due time stored before the pause.
    """
    if case.next_due_at is not None:
        words, colour = due_in_words(case.next_due_at, now)
        return words, colour, case.next_due_at
    if case.status != Status.SUSPENDED:
        return "", "grey", None
    paused = [
        view_clock(clock, now)
        for clock in case.clocks.filter(
            met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=False
        ).select_related("calendar")
    ]
    waiting = [one for one in paused if one.state == "paused"]
    if waiting:
        nearest = min(waiting, key=lambda one: one.minutes_left or 0)
        return nearest.words, "grey", None
    if paused:  # overdue when it was paused: still overdue
        nearest = min(paused, key=lambda one: one.clock.due_at)
        return nearest.words, "red", None
    return _("paused"), "grey", None
