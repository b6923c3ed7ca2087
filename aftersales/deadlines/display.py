"""Deadlines the way people read them: 剩余 25 分钟, 已超时 1 小时 10 分, green/amber/red.

Business time on the deadline's own calendar: 25 minutes left on 5×8 on Friday at 17:05 means
until Monday 08:55, not 17:30."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales.calendars.business_time import business_minutes_between
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.deadlines import registry
from aftersales.deadlines.models import Deadline

# Amber when this little is left (or a fifth of the target, whichever is more).
WARNING_MINUTES = 30
DAY_MINUTES = 24 * 60
H7X24 = BusinessCalendar.Kind.H7X24


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


def working_days_in_words(minutes: float) -> str:
    """Business minutes on a working-day calendar as whole working days: 4400 → "3 个工作日";
    under one day, in hours and minutes ("14 小时")."""
    days = int(max(0, minutes) // DAY_MINUTES)
    if not days:
        return span_in_words(minutes)
    return ngettext("%(n)s working day", "%(n)s working days", days) % {"n": days}


def span_for(deadline: Deadline, minutes: float) -> str:
    """A span of the deadline's business time in its kind's unit (registry: minutes or days)."""
    if registry.get(deadline.kind).unit == registry.DAYS:
        return working_days_in_words(minutes)
    return span_in_words(minutes)


def paused_words(left: float, span: str | None = None) -> str:
    """已暂停，剩余 25 分钟: a paused deadline shows the time it will have when it resumes."""
    return _("paused, %(span)s left") % {"span": span if span is not None else span_in_words(left)}


@dataclass(frozen=True)
class DeadlineView:
    deadline: Deadline
    state: str  # met, met_late, breached, running, paused, stopped
    colour: str  # green, amber, red, grey
    words: str
    due_local: dt.datetime
    minutes_left: float | None = None  # business minutes, for running and paused deadlines

    @property
    def due_at(self) -> dt.datetime | None:
        """The due time, or None while paused: resuming moves it by the time spent paused, so
        the stored one is not a time anyone should act on."""
        return None if self.state == "paused" else self.deadline.due_at

    @property
    def target_words(self) -> str:
        return span_in_words(self.deadline.target_minutes)

    @property
    def wall_clock_due(self) -> dt.datetime | None:
        """The due time a page may count down to by the wall clock (live pages tick it), or
        None when only the server can say: business time on a calendar with closed hours, a
        time left in working days, a deadline met, stopped or paused."""
        deadline = self.deadline
        if self.state not in ("running", "breached") or deadline.calendar.kind != H7X24:
            return None
        if registry.get(deadline.kind).unit != registry.MINUTES:
            return None
        if self.state == "breached" and deadline.due_at > timezone.now():
            return None  # marked breached, then given more time: the server's words hold
        return deadline.due_at

    @property
    def warning_minutes(self) -> float:
        """Amber from this many minutes left (as `view` decides)."""
        return max(WARNING_MINUTES, self.deadline.target_minutes / 5)


LIVE_STATES = ("breached", "running", "paused")


def view(deadline: Deadline, now: dt.datetime | None = None, *, cls: type[DeadlineView] = DeadlineView) -> DeadlineView:
    """The time left of a deadline in words (business time on its calendar), its state and colour."""
    now = now or timezone.now()
    due_local = timezone.localtime(deadline.due_at)
    if deadline.met_at is not None:
        late = deadline.breached_at is not None
        return cls(
            deadline, "met_late" if late else "met", "red" if late else "green", _met_words(deadline, late), due_local
        )
    if deadline.stopped_at is not None:
        return cls(deadline, "stopped", "grey", _("no longer needed"), due_local)
    calendar = working_calendar(deadline.calendar)
    at = deadline.paused_at or now
    left = business_minutes_between(at, deadline.due_at, calendar)
    if left <= 0 or deadline.breached_at is not None:
        overdue = business_minutes_between(deadline.due_at, at, calendar)
        return cls(
            deadline, "breached", "red", _("overdue by %(span)s") % {"span": span_for(deadline, overdue)}, due_local
        )
    if deadline.paused_at is not None:
        return cls(deadline, "paused", "grey", paused_words(left, span_for(deadline, left)), due_local, left)
    words = _("%(span)s left") % {"span": span_for(deadline, left)}
    warning = max(WARNING_MINUTES, deadline.target_minutes / 5)  # = DeadlineView.warning_minutes
    return cls(deadline, "running", "amber" if left <= warning else "green", words, due_local, left)


def _met_words(deadline: Deadline, late: bool) -> str:
    assert deadline.met_at is not None
    when = timezone.localtime(deadline.met_at).strftime("%m-%d %H:%M")
    if late:
        return _("met late, %(when)s") % {"when": when}
    return _("met %(when)s") % {"when": when}


def due_in_words(due_at: dt.datetime | None, now: dt.datetime | None = None) -> tuple[str, str]:
    """Wall-clock time until a next due time, for lists: (words, colour)."""
    if due_at is None:
        return "", "grey"
    now = now or timezone.now()
    minutes = (due_at - now).total_seconds() / 60
    if minutes <= 0:
        return _("overdue by %(span)s") % {"span": span_in_words(-minutes)}, "red"
    return _("%(span)s left") % {"span": span_in_words(minutes)}, "amber" if minutes <= WARNING_MINUTES else "green"
