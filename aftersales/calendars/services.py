"""Keep the holiday table in step with the chinese-calendar package."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from aftersales.calendars.models import HolidayDay
from aftersales.core import refcache

PACKAGE = "chinese-calendar"


@transaction.atomic
def sync_public_holidays(*, years: Iterable[int] | None = None) -> int:
    """Add every holiday and make-up working day the package knows and the table lacks (of
    `years` only, when given).

    Days an administrator entered or changed are never overwritten. Returns the number added.
    """
    from chinese_calendar import constants

    wanted = set(years) if years is not None else None
    existing = set(HolidayDay.objects.values_list("date", flat=True))
    rows = [
        HolidayDay(date=day, kind=kind, name=chinese_name(name), source=PACKAGE)
        for kind, days in ((HolidayDay.Kind.HOLIDAY, constants.holidays), (HolidayDay.Kind.WORKDAY, constants.workdays))
        for day, name in days.items()
        if day not in existing and (wanted is None or day.year in wanted)
    ]
    HolidayDay.objects.bulk_create(rows, ignore_conflicts=True)
    refcache.changed(HolidayDay)  # bulk_create sends no signal
    return len(rows)


def package_years() -> set[int]:
    """The years whose public holidays the installed chinese-calendar knows."""
    from chinese_calendar import constants

    return {day.year for day in constants.holidays}


def chinese_name(english: str) -> str:
    """The package names its holidays in English ("National Day"); the desk reads 国庆节."""
    from chinese_calendar import Holiday

    try:
        return Holiday(str(english)).chinese
    except ValueError:
        return str(english)
