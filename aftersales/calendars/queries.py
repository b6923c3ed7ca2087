"""Turn calendar rows into `WorkingCalendar` objects, cached per process.

The cache is keyed by a fingerprint of the calendar and holiday tables (one cheap query, re-read
at most every few seconds), so an administrator's edit is seen by every process within seconds
and by the process that made it at once.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import Count, Max

from aftersales.calendars.business_time import WorkingCalendar
from aftersales.calendars.models import BusinessCalendar, HolidayDay, parse_hours
from aftersales.core import refcache

_cache: dict[tuple, WorkingCalendar] = {}
# The holiday table's fingerprint is re-read at most this often per process (a case opened
# needs several clocks); edits made in this process clear it at once (see apps.py).
FINGERPRINT_TTL_SECONDS = 5.0
_fingerprint: tuple[float, tuple] | None = None


def _holiday_fingerprint() -> tuple:
    global _fingerprint
    now = time.monotonic()
    if _fingerprint is None or now - _fingerprint[0] > FINGERPRINT_TTL_SECONDS:
        stats = HolidayDay.objects.aggregate(n=Count("id"), changed=Max("updated_at"))
        _fingerprint = (now, (stats["n"], stats["changed"]))
    return _fingerprint[1]


def forget_holidays(**_signal_kwargs) -> None:
    global _fingerprint
    _fingerprint = None


def _holiday_sets() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, kind in HolidayDay.objects.values_list("date", "kind"):
        (workdays if kind == HolidayDay.Kind.WORKDAY else holidays).add(day)
    return frozenset(holidays), frozenset(workdays)


def working_calendar(calendar: BusinessCalendar, *, holiday_fingerprint: tuple | None = None) -> WorkingCalendar:
    """The arithmetic object for `calendar`, reused while neither it nor the holidays change."""
    fingerprint = holiday_fingerprint or _holiday_fingerprint()
    key = (calendar.pk, calendar.kind, calendar.hours, calendar.time_zone, calendar.updated_at, fingerprint)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    if calendar.kind == BusinessCalendar.Kind.H7X24:
        result = WorkingCalendar.round_the_clock(calendar.time_zone)
    else:
        holidays, workdays = _holiday_sets()
        hours = parse_hours(calendar.hours) if calendar.kind == BusinessCalendar.Kind.H5X8 else parse_hours("")
        result = WorkingCalendar.working_days(hours, tz=calendar.time_zone, holidays=holidays, workdays=workdays)
    if len(_cache) > 64:  # stale keys pile up after edits; start afresh
        _cache.clear()
    _cache[key] = result
    return result


def calendars_by_code() -> dict[str, BusinessCalendar]:
    """Every business calendar by its code, read once per process (`aftersales.core.refcache`)."""
    return refcache.cached(
        "calendars.by_code", (BusinessCalendar,), lambda: {c.code: c for c in BusinessCalendar.objects.all()}
    )
