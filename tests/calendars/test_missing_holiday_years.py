"""A year without holiday data is never silent: `manage.py check` warns, the duty board and the
calendar administration say so, and from 1 November the worker reminds administrators once a
week until next year's holidays are entered or loaded (`manage.py load_holidays`).

The rows of the years in play are set by each test, so nothing depends on the real date or on
which years the installed chinese-calendar knows."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.calendars.checks import holiday_years_check
from aftersales.calendars.holiday_years import missing_holiday_years
from aftersales.calendars.models import BusinessCalendar, HolidayDay
from aftersales.notifications.models import Notification
from aftersales.sla.holidays import remind_missing_holidays
from aftersales.sla.tasks import holiday_data_reminders
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def entered(*years: int) -> None:
    """Make these years have holiday rows (New Year's Day at least)."""
    for year in years:
        HolidayDay.objects.get_or_create(date=dt.date(year, 1, 1), defaults={"kind": "holiday", "name": "元旦"})


def not_entered(*years: int) -> None:
    HolidayDay.objects.filter(date__year__in=years).delete()


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def warnings_on(day: dt.date) -> list[checks.CheckMessage]:
    with on(day):
        return holiday_years_check()


# --- manage.py check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, present, absent, warned",
    [
        pytest.param(dt.date(2027, 3, 1), [], [2027, 2028], [2027], id="current-year-missing"),
        pytest.param(dt.date(2027, 1, 1), [2028], [2027], [2027], id="new-years-day-itself"),
        pytest.param(dt.date(2026, 11, 1), [2026], [2027], [2027], id="next-year-missing-from-1-november"),
        pytest.param(dt.date(2026, 12, 31), [2026], [2027], [2027], id="next-year-missing-on-new-years-eve"),
        pytest.param(dt.date(2031, 11, 20), [], [2031, 2032], [2031, 2032], id="both-missing"),
    ],
)
def test_check_warns_of_a_year_without_holidays(today, present, absent, warned):
    entered(*present)
    not_entered(*absent)

    found = [m for m in warnings_on(today) if m.level == checks.WARNING]

    assert [m.id for m in found] == ["calendars.W001"]
    assert all(str(year) in found[0].msg for year in warned)
    assert "load_holidays" in found[0].hint


@pytest.mark.parametrize(
    "today, present, absent",
    [
        pytest.param(dt.date(2026, 3, 2), [2026], [2027], id="next-year-not-yet-due"),
        pytest.param(dt.date(2026, 10, 31), [2026], [2027], id="the-day-before-1-november"),
        pytest.param(dt.date(2026, 11, 2), [2026, 2027], [], id="both-entered"),
    ],
)
def test_check_is_quiet_while_the_holidays_due_are_entered(today, present, absent):
    entered(*present)
    not_entered(*absent)

    found = warnings_on(today)

    assert [m for m in found if m.level >= checks.WARNING] == []
    # Before 1 November a missing next year is only noted.
    assert [m.id for m in found] == (["calendars.I001"] if absent else [])


def test_check_runs_with_manage_py_check():
    not_entered(2027, 2028)
    with on(dt.date(2027, 2, 1)):
        err = StringIO()
        call_command("check", stdout=StringIO(), stderr=err)
    assert "calendars.W001" in err.getvalue() and "2027" in err.getvalue()


def test_round_the_clock_calendars_need_no_holidays():
    not_entered(2027, 2028)
    BusinessCalendar.objects.update(kind=BusinessCalendar.Kind.H7X24)
    assert warnings_on(dt.date(2027, 2, 1)) == []


def test_make_up_days_alone_do_not_make_a_year_entered():
    not_entered(2027, 2028)
    HolidayDay.objects.create(date=dt.date(2027, 2, 7), kind="workday", name="春节调休")
    assert missing_holiday_years(dt.date(2027, 3, 1)).overdue == (2027,)


# --- the weekly reminder ------------------------------------------------------------------


@pytest.fixture
def admins(db):
    by_role = UserFactory(username="admin-role", roles=[Role.ADMIN])
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    UserFactory(username="engineer", roles=[Role.ENGINEER])  # not an administrator
    UserFactory(username="retired-admin", roles=[Role.ADMIN], is_active=False)
    return {by_role, superuser}


def _reminded() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind=Notification.Kind.HOLIDAYS_MISSING).values_list(
            "recipient__username", "dedupe_key"
        )
    )


def test_from_1_november_administrators_are_reminded_once_a_week(admins):
    entered(2026)
    not_entered(2027)

    assert remind_missing_holidays(today=dt.date(2026, 10, 31)) == 0
    assert remind_missing_holidays(today=dt.date(2026, 11, 2)) == 2  # Monday of ISO week 45
    assert remind_missing_holidays(today=dt.date(2026, 11, 2)) == 0  # the same run again
    assert remind_missing_holidays(today=dt.date(2026, 11, 8)) == 0  # Sunday, same week
    assert remind_missing_holidays(today=dt.date(2026, 11, 9)) == 2  # the next week

    assert _reminded() == [
        ("admin-role", "holidays-missing:2027:2026-W45"),
        ("admin-role", "holidays-missing:2027:2026-W46"),
        ("root", "holidays-missing:2027:2026-W45"),
        ("root", "holidays-missing:2027:2026-W46"),
    ]


@pytest.mark.parametrize("loaded", ["holiday", "holiday-and-workday"])
def test_reminders_stop_once_next_years_holidays_are_entered(admins, loaded):
    entered(2026)
    not_entered(2027)
    assert remind_missing_holidays(today=dt.date(2026, 11, 2)) == 2

    entered(2027)
    if loaded == "holiday-and-workday":
        HolidayDay.objects.create(date=dt.date(2027, 2, 7), kind="workday", name="春节调休")

    assert remind_missing_holidays(today=dt.date(2026, 11, 16)) == 0
    assert remind_missing_holidays(today=dt.date(2026, 12, 28)) == 0


def test_a_current_year_without_holidays_is_reminded_whatever_the_month(admins):
    not_entered(2027, 2028)
    assert remind_missing_holidays(today=dt.date(2027, 5, 10)) == 2


def test_the_periodic_task_reminds_on_the_local_date(admins):
    entered(2026)
    not_entered(2027)
    with on(dt.date(2026, 11, 2), hour=9):
        assert holiday_data_reminders.call_local() == 2
        assert holiday_data_reminders.call_local() == 0


def test_the_reminder_is_rendered_for_administrators(admins):
    from aftersales.notifications.rendering import render_request

    entered(2026)
    not_entered(2027)
    remind_missing_holidays(today=dt.date(2026, 11, 2))

    rendered = render_request(Notification.objects.filter(kind=Notification.Kind.HOLIDAYS_MISSING).first(), "zh-hans")
    assert "2027" in rendered.subject
    assert "load_holidays" in rendered.text and "/admin/calendars/holidayday/" in rendered.text


# --- the duty board and the calendar administration ---------------------------------------


@pytest.mark.parametrize(
    "today, absent, shown",
    [
        pytest.param(dt.date(2026, 11, 2), [2027], True, id="next-year-due"),
        pytest.param(dt.date(2027, 1, 4), [2027, 2028], True, id="current-year"),
        pytest.param(dt.date(2026, 6, 1), [2027], False, id="next-year-not-yet-due"),
        pytest.param(dt.date(2026, 11, 2), [], False, id="entered"),
    ],
)
def test_the_duty_board_shows_missing_holidays(client, make_user, today, absent, shown):
    entered(*({2026, 2027} - set(absent)))
    not_entered(*absent)
    with on(today):
        client.force_login(make_user(Role.DUTY_MANAGER))
        html = client.get("/board/").content.decode()

    assert ('data-testid="missing-holidays"' in html) is shown
    if shown:
        banner = html.split('data-testid="missing-holidays">', 1)[1].split("</li>", 1)[0]
        assert str(absent[0]) in banner


@pytest.mark.parametrize(
    "page", ["admin:calendars_holidayday_changelist", "admin:calendars_businesscalendar_changelist"]
)
def test_the_calendar_administration_shows_missing_holidays(client, page):
    entered(2026)
    not_entered(2027)
    with on(dt.date(2026, 11, 2)):
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        html = client.get(reverse(page)).content.decode()
    messages = html.split('class="messagelist"', 1)[1].split("</ul>", 1)[0]
    assert "2027" in messages and "load_holidays" in messages

    entered(2027)
    with on(dt.date(2026, 11, 2)):
        html = client.get(reverse(page)).content.decode()
    assert "load_holidays" not in html


# --- loading a year -----------------------------------------------------------------------


def test_load_holidays_loads_a_year_the_package_knows_and_keeps_administrators_edits():
    not_entered(2025)
    HolidayDay.objects.create(date=dt.date(2025, 1, 1), kind="holiday", name="元旦（管理员录入）", source="admin")
    out = StringIO()

    call_command("load_holidays", "--year", "2025", stdout=out)

    assert HolidayDay.objects.get(date=dt.date(2025, 1, 1)).name == "元旦（管理员录入）"
    assert HolidayDay.objects.get(date=dt.date(2025, 10, 1)).source == "chinese-calendar"
    assert HolidayDay.objects.filter(date=dt.date(2025, 1, 26), kind="workday").exists()  # 春节调休
    assert missing_holiday_years(dt.date(2025, 3, 1)).overdue == ()


def test_load_holidays_refuses_a_year_the_package_does_not_know():
    with pytest.raises(CommandError, match="2099"):
        call_command("load_holidays", "--year", "2099", stdout=StringIO())
    assert not HolidayDay.objects.filter(date__year=2099).exists()
