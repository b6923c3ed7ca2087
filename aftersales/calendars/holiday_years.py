"""Years without holiday data are never silent.

A working-day calendar (5×24, 5×8) counts every Monday to Friday of a year without holiday
rows as a working day: New Year's Day, the Spring Festival and National Day included. So when
the current year has no public holidays entered, or the next one has none from 1 November
(about when the State Council publishes them), `manage.py check` warns, the duty board and
the calendar administration say so, and the worker reminds administrators once a week until
the days are entered by hand or loaded from a newer `chinese-calendar`
(`manage.py load_holidays`). Before 1 November the next year's absence is only noted.

This module only finds the years; the reminder is a notification, so it is sent from above
the kernel (aftersales.sla.holidays).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from aftersales.calendars.models import BusinessCalendar, HolidayDay

# From this day (month, day) on, next year's holidays are due.
NEXT_YEAR_DUE_FROM = (11, 1)


@dataclass(frozen=True)
class MissingHolidays:
    """Years without public holidays entered, as seen on `today`."""

    today: dt.date
    overdue: tuple[int, ...]  # the current year, or the next one from 1 November
    upcoming: tuple[int, ...]  # the next year before 1 November: noted, not yet a warning

    def __bool__(self) -> bool:
        return bool(self.overdue)

    @property
    def message(self) -> str:
        years = "、".join(str(year) for year in self.overdue)
        return _(
            "No public holidays are entered for %(years)s, so the working-day calendars (5×24, 5×8) "
            "count every Monday to Friday as a working day, New Year's Day and National Day included. "
            "Enter them in “Holidays and make-up days”, or load them with “manage.py load_holidays” "
            "once the installed chinese-calendar knows them."
        ) % {"years": years}

    @property
    def note(self) -> str:
        years = "、".join(str(year) for year in self.upcoming)
        return _(
            "The public holidays of %(years)s are not entered yet; they are usually published in November or December."
        ) % {"years": years}


def missing_holiday_years(today: dt.date) -> MissingHolidays:
    """Which of this year and next have no public holiday row, if any calendar observes them."""
    if not BusinessCalendar.objects.exclude(kind=BusinessCalendar.Kind.H7X24).exists():
        return MissingHolidays(today, (), ())
    years = (today.year, today.year + 1)
    entered = set(
        HolidayDay.objects.filter(
            kind=HolidayDay.Kind.HOLIDAY, date__gte=dt.date(years[0], 1, 1), date__lte=dt.date(years[1], 12, 31)
        )
        .values_list("date__year", flat=True)
        .distinct()
    )
    next_year_due = (today.month, today.day) >= NEXT_YEAR_DUE_FROM
    overdue = tuple(year for year in years if year not in entered and (year == today.year or next_year_due))
    upcoming = tuple(year for year in years if year not in entered and year not in overdue)
    return MissingHolidays(today, overdue, upcoming)
