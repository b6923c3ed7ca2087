from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.calendars.business_time import ALL_DAY, Hours

_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_hours(text: str) -> Hours:
    """ "08:30-12:00, 13:30-17:30" → the open periods of a day; empty text is all day."""
    text = (text or "").strip()
    if not text:
        return ALL_DAY
    periods: list[tuple[dt.time, dt.time]] = []
    for chunk in text.replace("，", ",").split(","):
        match = _PERIOD.match(chunk.strip().replace("–", "-"))
        if not match:
            raise ValueError(chunk)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        opens, closes = dt.time(h1, m1), dt.time(h2, m2)
        if closes <= opens or (periods and opens < periods[-1][1]):
            raise ValueError(chunk)
        periods.append((opens, closes))
    return tuple(periods)


def validate_hours(text: str) -> None:
    try:
        parse_hours(text)
    except ValueError:
        raise ValidationError(
            _("Write the open periods of a day in order, like 08:30-12:00, 13:30-17:30 (empty: all day)."),
            code="invalid_hours",
        ) from None


def validate_time_zone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(_("Unknown time zone “%(name)s”."), params={"name": name}, code="invalid_tz")


class BusinessCalendar(models.Model):
    """Service hours: 7×24, 5×24 or 5×8 with its daily hours, in a time zone."""

    class Kind(models.TextChoices):
        H7X24 = "7x24", _("7×24: every day, round the clock")
        H5X24 = "5x24", _("5×24: working days, round the clock")
        H5X8 = "5x8", _("5×8: working days, office hours")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    hours = models.CharField(
        _("daily hours"),
        max_length=100,
        blank=True,
        validators=[validate_hours],
        help_text=_("For 5×8: e.g. 08:30-12:00, 13:30-17:30. Empty means all day."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=50, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class HolidayDay(models.Model):
    """A day off (public holiday) or a make-up working day (调休) in mainland China.

    Seeded from the chinese-calendar package for the years it knows; administrators add the
    days of later years here when the State Council publishes them.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (closed)")
        WORKDAY = "workday", _("Make-up working day (调休, open)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=20, default="admin", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"
