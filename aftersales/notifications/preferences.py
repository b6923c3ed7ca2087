"""A staff member's notification preferences: which events, which channels, quiet hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from aftersales.notifications import registry
from aftersales.notifications.models import NotificationPreference

Via = NotificationPreference.Via
DEFAULT_CHANNELS = [Via.EMAIL.value]


def staff_events() -> list[str]:
    """The kinds a staff member may choose: those the apps registered for staff."""
    return [kind.name for kind in registry.staff_kinds()]


@dataclass(frozen=True)
class Preferences:
    events: frozenset[str]
    channels: tuple[str, ...]
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None

    def wants(self, kind: str) -> bool:
        return kind in self.events

    def held_until(self, now: dt.datetime) -> dt.datetime | None:
        """The end of the quiet hours `now` falls in (an aware datetime), or None."""
        return quiet_hours_end(now, self.quiet_start, self.quiet_end)


def preferences_of(user) -> Preferences:
    """A user's choices; without a row, every staff kind by e-mail at any hour."""
    row = NotificationPreference.objects.filter(user=user).first()
    if row is None:
        return Preferences(frozenset(staff_events()), tuple(DEFAULT_CHANNELS))
    return Preferences(frozenset(row.events), tuple(row.channels), row.quiet_start, row.quiet_end)


def quiet_hours_end(now: dt.datetime, start: dt.time | None, end: dt.time | None) -> dt.datetime | None:
    """When quiet hours [start, end) on the site's wall clock end, if `now` is inside them.

    The hours may span midnight (22:00 → 07:00). Equal or missing bounds mean no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    time = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= time < end
        end_day = local.date()
    else:
        inside = time >= start or time < end
        end_day = local.date() if time < end else local.date() + dt.timedelta(days=1)
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=zone)
