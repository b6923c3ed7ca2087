import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from aftersales.calendars.business_time import add_business_minutes
from aftersales.calendars.models import BusinessCalendar, HolidayDay, parse_hours, validate_hours
from aftersales.calendars.queries import working_calendar
from aftersales.calendars.services import sync_public_holidays
from tests.calendars.test_business_time import local

pytestmark = pytest.mark.django_db


def test_office_hours_are_parsed_in_order():
    assert parse_hours("08:30-12:00, 13:30-17:30") == (
        (dt.time(8, 30), dt.time(12)),
        (dt.time(13, 30), dt.time(17, 30)),
    )


@pytest.mark.parametrize("text", ["8-12", "12:00-08:30", "13:30-17:30, 08:30-12:00", "08:30-12:00;13:30-17:30"])
def test_malformed_office_hours_get_a_clear_message(text):
    with pytest.raises(ValidationError, match="08:30-12:00"):
        validate_hours(text)


def test_migration_seeds_the_three_calendars_and_the_package_holidays():
    assert set(BusinessCalendar.objects.values_list("code", flat=True)) >= {"7x24", "5x24", "5x8"}
    assert HolidayDay.objects.filter(date=dt.date(2026, 10, 1), kind="holiday").exists()
    assert HolidayDay.objects.filter(date=dt.date(2026, 10, 10), kind="workday").exists()


def test_sync_adds_nothing_twice_and_keeps_an_administrators_change():
    day = HolidayDay.objects.get(date=dt.date(2026, 10, 10))
    day.kind = HolidayDay.Kind.HOLIDAY
    day.save()
    assert sync_public_holidays() == 0
    assert HolidayDay.objects.get(date=dt.date(2026, 10, 10)).kind == HolidayDay.Kind.HOLIDAY


def test_a_holiday_added_for_a_future_year_is_used_at_once():
    calendar = BusinessCalendar.objects.get(code="5x8")
    friday = local(2027, 12, 31, 17, 0)
    before = add_business_minutes(friday, 60, working_calendar(calendar))
    HolidayDay.objects.create(date=dt.date(2028, 1, 3), kind=HolidayDay.Kind.HOLIDAY, name="元旦")
    after = add_business_minutes(friday, 60, working_calendar(calendar))
    assert before == local(2028, 1, 3, 9, 0)
    assert after == local(2028, 1, 4, 9, 0)


def test_changing_a_days_kind_is_seen_at_once():
    calendar = BusinessCalendar.objects.get(code="5x8")
    saturday = local(2026, 10, 10, 9, 0)  # a make-up working day
    assert add_business_minutes(saturday, 30, working_calendar(calendar)) == local(2026, 10, 10, 9, 30)
    day = HolidayDay.objects.get(date=dt.date(2026, 10, 10))
    day.kind = HolidayDay.Kind.HOLIDAY
    day.save()  # as the administration page does
    assert add_business_minutes(saturday, 30, working_calendar(calendar)) == local(2026, 10, 12, 9, 0)
