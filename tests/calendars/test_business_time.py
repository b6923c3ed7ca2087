"""Business-time arithmetic: exact scenarios and the laws it must obey (property tests)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.calendars.business_time import (
    WorkingCalendar,
    add_business_minutes,
    business_minutes_between,
    is_open,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE_HOURS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))
# 2026: National Day 1–7 October off, Sunday 27 September and Saturday 10 October worked (调休).
HOLIDAYS = frozenset(dt.date(2026, 10, d) for d in range(1, 8)) | {dt.date(2027, 1, 1)}
WORKDAYS = frozenset({dt.date(2026, 9, 27), dt.date(2026, 10, 10)})


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def five_by_eight() -> WorkingCalendar:
    return WorkingCalendar.working_days(OFFICE_HOURS, holidays=HOLIDAYS, workdays=WORKDAYS)


def five_by_24() -> WorkingCalendar:
    return WorkingCalendar.working_days(holidays=HOLIDAYS, workdays=WORKDAYS)


# Built once: a calendar lays out its intervals on first use and keeps them.
CALENDARS = {"7x24": WorkingCalendar.round_the_clock(), "5x24": five_by_24(), "5x8": five_by_eight()}


# --- scenarios --------------------------------------------------------------------------


def test_round_the_clock_is_wall_clock_time():
    start = local(2026, 10, 1, 23, 50)
    assert add_business_minutes(start, 30, WorkingCalendar.round_the_clock()) == local(2026, 10, 2, 0, 20)


def test_office_hours_skip_lunch():
    assert add_business_minutes(local(2026, 11, 23, 11, 45), 30, five_by_eight()) == local(2026, 11, 23, 13, 45)


def test_friday_evening_rolls_to_monday_morning():
    # Friday 2026-11-20 17:20 + 6 business hours: 10 minutes on Friday, 5 h 50 on Monday.
    assert add_business_minutes(local(2026, 11, 20, 17, 20), 360, five_by_eight()) == local(2026, 11, 23, 15, 50)


def test_deadline_may_fall_exactly_at_closing_time():
    assert add_business_minutes(local(2026, 11, 23, 17, 0), 30, five_by_eight()) == local(2026, 11, 23, 17, 30)


def test_public_holiday_week_is_skipped_and_makeup_saturday_worked():
    calendar = five_by_eight()
    # Wednesday 30 September 17:00 + 1 hour: 30 minutes that day, then the Golden Week is
    # closed, and Thursday 8 October opens at 08:30.
    assert add_business_minutes(local(2026, 9, 30, 17, 0), 60, calendar) == local(2026, 10, 8, 9, 0)
    # Saturday 10 October is a make-up working day.
    assert is_open(local(2026, 10, 10, 9, 0), calendar)
    assert not is_open(local(2026, 10, 11, 9, 0), calendar)


def test_five_by_24_is_open_all_night_on_working_days_only():
    calendar = five_by_24()
    assert add_business_minutes(local(2026, 11, 20, 23, 0), 120, calendar) == local(2026, 11, 23, 1, 0)


def test_between_counts_only_open_time():
    calendar = five_by_eight()
    assert business_minutes_between(local(2026, 11, 20, 17, 0), local(2026, 11, 23, 9, 30), calendar) == 90
    assert business_minutes_between(local(2026, 11, 23, 9, 30), local(2026, 11, 20, 17, 0), calendar) == -90


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(dt.datetime(2026, 11, 23, 9, 0), 10, five_by_eight())


def test_calendar_without_open_time_is_refused_not_looped():
    closed = WorkingCalendar(tz=SHANGHAI, weekly={})
    with pytest.raises(ValueError):
        add_business_minutes(local(2026, 11, 23, 9, 0), 10, closed)


# --- laws -------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(SHANGHAI)
)
spans = st.integers(min_value=0, max_value=7 * 24 * 60)  # minutes, up to a week
calendar_names = st.sampled_from(sorted(CALENDARS))
law = settings(max_examples=300, deadline=None)


@law
@given(name=calendar_names, start=instants, a=spans, b=spans)
def test_adding_in_two_steps_equals_adding_at_once(name, start, a, b):
    calendar = CALENDARS[name]
    two_steps = add_business_minutes(add_business_minutes(start, a, calendar), b, calendar)
    assert two_steps == add_business_minutes(start, a + b, calendar)


@law
@given(name=calendar_names, start=instants, minutes=spans)
def test_between_inverts_add(name, start, minutes):
    calendar = CALENDARS[name]
    assert business_minutes_between(start, add_business_minutes(start, minutes, calendar), calendar) == minutes


@law
@given(name=calendar_names, first=instants, second=instants, minutes=spans)
def test_adding_is_monotonic(name, first, second, minutes):
    calendar = CALENDARS[name]
    early, late = sorted([first, second])
    assert add_business_minutes(early, minutes, calendar) <= add_business_minutes(late, minutes, calendar)


@law
@given(name=calendar_names, start=instants, minutes=st.integers(min_value=1, max_value=7 * 24 * 60))
def test_positive_addition_never_ends_in_closed_time(name, start, minutes):
    calendar = CALENDARS[name]
    due = add_business_minutes(start, minutes, calendar)
    # Open just before the due instant: the deadline is in open time or exactly at its end.
    assert is_open(due - dt.timedelta(microseconds=1), calendar)
    assert due > start
