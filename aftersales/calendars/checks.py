"""`manage.py check` warns of a year whose public holidays are not entered (calendars.W001)."""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.calendars.holiday_years import missing_holiday_years


def holiday_years_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        missing = missing_holiday_years(timezone.localdate())
    except DatabaseError:  # before `migrate` there is no table to read yet
        return []
    messages: list[checks.CheckMessage] = []
    if missing.overdue:
        messages.append(
            checks.Warning(
                missing.message,
                hint=_(
                    "manage.py load_holidays --year YEAR (after upgrading chinese-calendar), "
                    "or enter the days in the administration: Holidays and make-up days."
                ),
                id="calendars.W001",
            )
        )
    if missing.upcoming:
        messages.append(checks.Info(missing.note, id="calendars.I001"))
    return messages
