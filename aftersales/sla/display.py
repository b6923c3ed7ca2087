"""Deadlines the way people read them: 剩余 25 分钟, 已超时 1 小时 10 分, green/amber/red."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.calendars.business_time import business_minutes_between
from aftersales.calendars.queries import working_calendar
from aftersales.cases.models import Status
from aftersales.sla.models import Clock

# Amber when this little is left (or a fifth of the target, whichever is more).
WARNING_MINUTES = 30


def span_in_words(minutes: float) -> str:
    """25 → "25 分钟"; 70 → "1 小时 10 分"; 1600 → "1 天 2 小时" (in the active language)."""
    total = max(0, int(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours} if hours else _("%(d)s d") % {"d": days}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": mins} if mins else _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": mins}


@dataclass(frozen=True)
class ClockView:
    clock: Clock
    state: str  # met, met_late, breached, running, paused, stopped
    colour: str  # green, amber, red, grey
    words: str
    due_local: dt.datetime
    minutes_left: float | None = None  # business minutes, for running and paused clocks

    @property
    def label(self) -> str:
        return self.clock.get_kind_display()

    @property
    def due_at(self) -> dt.datetime | None:
        """The due time, or None while paused: resuming moves it by the time spent paused, so
        the stored one is not a time anyone should act on."""
        return None if self.state == "paused" else self.clock.due_at

    @property
    def target_words(self) -> str:
        return span_in_words(self.clock.target_minutes)


def view_clock(clock: Clock, now: dt.datetime | None = None) -> ClockView:
    now = now or timezone.now()
    due_local = timezone.localtime(clock.due_at)
    if clock.met_at is not None:
        late = clock.breached_at is not None
        return ClockView(
            clock, "met_late" if late else "met", "red" if late else "green", _met_words(clock, late), due_local
        )
    if clock.stopped_at is not None:
        return ClockView(clock, "stopped", "grey", _("no longer needed"), due_local)
    calendar = working_calendar(clock.calendar)
    at = clock.paused_at or now
    left = business_minutes_between(at, clock.due_at, calendar)
    if left <= 0 or clock.breached_at is not None:
        overdue = business_minutes_between(clock.due_at, at, calendar)
        return ClockView(
            clock, "breached", "red", _("overdue by %(span)s") % {"span": span_in_words(overdue)}, due_local
        )
    words = _("%(span)s left") % {"span": span_in_words(left)}
    if clock.paused_at is not None:
        return ClockView(clock, "paused", "grey", paused_words(left), due_local, left)
    warning = max(WARNING_MINUTES, clock.target_minutes / 5)
    return ClockView(clock, "running", "amber" if left <= warning else "green", words, due_local, left)


def paused_words(left: float) -> str:
    """已暂停，剩余 25 分钟: a paused clock shows the time it will have when it resumes."""
    return _("paused, %(span)s left") % {"span": span_in_words(left)}


def _met_words(clock: Clock, late: bool) -> str:
    when = timezone.localtime(clock.met_at).strftime("%m-%d %H:%M")
    if late:
        return _("met late, %(when)s") % {"when": when}
    return _("met %(when)s") % {"when": when}


LIVE_STATES = ("breached", "running", "paused")


def case_clocks(case, now: dt.datetime | None = None) -> list[ClockView]:
    """The case's clocks, running ones first by due time; of finished ones only the latest of
    each kind (a progress clock restarts with every note: the history is in the timeline)."""
    views = [view_clock(clock, now) for clock in case.clocks.select_related("calendar").order_by("-due_at")]
    live = [v for v in views if v.state in LIVE_STATES]
    live_kinds = {v.clock.kind for v in live}
    latest_finished: dict[str, ClockView] = {}
    for view in views:
        if view.state not in LIVE_STATES and view.clock.kind not in live_kinds:
            latest_finished.setdefault(view.clock.kind, view)
    return sorted(live, key=lambda v: v.clock.due_at) + sorted(latest_finished.values(), key=lambda v: v.clock.due_at)


def due_in_words(due_at: dt.datetime | None, now: dt.datetime | None = None) -> tuple[str, str]:
    """Wall-clock time until a case's next deadline, for lists: (words, colour)."""
    if due_at is None:
        return "", "grey"
    now = now or timezone.now()
    minutes = (due_at - now).total_seconds() / 60
    if minutes <= 0:
        return _("overdue by %(span)s") % {"span": span_in_words(-minutes)}, "red"
    return _("%(span)s left") % {"span": span_in_words(minutes)}, "amber" if minutes <= WARNING_MINUTES else "green"


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
    waiting = [view for view in paused if view.state == "paused"]
    if waiting:
        nearest = min(waiting, key=lambda view: view.minutes_left or 0)
        return nearest.words, "grey", None
    if paused:  # overdue when it was paused: still overdue
        nearest = min(paused, key=lambda view: view.clock.due_at)
        return nearest.words, "red", None
    return _("paused"), "grey", None
