"""Keep the holiday table in step with the chinese-calendar package."""

from __future__ import annotations

from django.db import transaction

from aftersales.calendars.models import HolidayDay

PACKAGE = "chinese-calendar"


@transaction.atomic
def sync_public_holidays() -> int:
    """Add every holiday and make-up working day the package knows and the table lacks.

    Days an administrator entered or changed are never overwritten. Returns the number added.
    """
    from chinese_calendar import constants

    existing = set(HolidayDay.objects.values_list("date", flat=True))
    rows = [
        HolidayDay(date=day, kind=kind, name=chinese_name(name), source=PACKAGE)
        for kind, days in ((HolidayDay.Kind.HOLIDAY, constants.holidays), (HolidayDay.Kind.WORKDAY, constants.workdays))
        for day, name in days.items()
        if day not in existing
    ]
    HolidayDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def chinese_name(english: str) -> str:
    """The package names its holidays in English ("National Day"); the desk reads 国庆节."""
    from chinese_calendar import Holiday

    try:
        return Holiday(str(english)).chinese
    except ValueError:
        return str(english)
