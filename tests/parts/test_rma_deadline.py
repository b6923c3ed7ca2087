"""The defective part's return deadline on the deadlines mechanism: started when the good part
arrives, ten working days on the business calendar (checked against a count written here),
warned two working days before and escalated once when missed (two sweeps), met by shipping
the part back, read as "剩余 3 个工作日" on the clerk's screens."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.calendars.models import HolidayDay
from aftersales.deadlines import display
from aftersales.deadlines.models import Alarm, Deadline
from aftersales.deadlines.services import sweep
from aftersales.notifications.models import Notification
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import services
from aftersales.timeline.models import Entry

BEIJING = dt.timezone(dt.timedelta(hours=8))
NATIONAL_DAY = dt.date(2026, 10, 1)


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def _is_working_day(day: dt.date) -> bool:
    """Independent of the calendars code: the holiday table, else Monday to Friday."""
    row = HolidayDay.objects.filter(date=day).first()
    if row is not None:
        return row.kind == HolidayDay.Kind.WORKDAY
    return day.weekday() < 5


def _expected_due(received: dt.datetime, working_days: int = 10) -> dt.datetime:
    """Midnight after the tenth working day after the day of receipt, counted day by day."""
    day, counted = received.astimezone(BEIJING).date(), 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        counted += _is_working_day(day)
    return _at(day.year, day.month, day.day) + dt.timedelta(days=1)


@pytest.fixture
def friday_before_national_day(db) -> dt.datetime:
    """The real Friday before the 2026 National Day holiday, from the calendar data: 25
    September (itself the Mid-Autumn holiday; 26–27 September and 1–7 October are holidays,
    Saturday 10 October a make-up working day)."""
    first_holiday = NATIONAL_DAY
    while HolidayDay.objects.filter(date=first_holiday - dt.timedelta(days=1), kind="holiday").exists():
        first_holiday -= dt.timedelta(days=1)
    friday = first_holiday - dt.timedelta(days=1)
    while friday.weekday() != 4:
        friday -= dt.timedelta(days=1)
    assert friday == dt.date(2026, 9, 25)
    assert HolidayDay.objects.filter(date=dt.date(2026, 10, 10), kind="workday").exists()
    return _at(2026, 9, 25, 15)


@pytest.fixture
def manager(make_user):
    return make_user(Role.CENTRE_MANAGER, username="manager")


@pytest.fixture
def received(clerk, branch, part, friday_before_national_day):
    with time_machine.travel(friday_before_national_day + dt.timedelta(minutes=5)):
        rma = services.claim_rma(number="rma-9", warehouse=branch, part=part, faulty_serial="bad-9", by=clerk)
        return services.receive_rma_part(rma=rma, good_serial="g-9", received_at=friday_before_national_day, by=clerk)


def _deadline(rma) -> Deadline:
    return rma_deadlines.return_deadline(rma)


def test_receiving_on_the_friday_before_national_day_starts_a_ten_working_day_deadline(received):
    deadline = _deadline(received)
    assert deadline.kind == "parts.rma_return" and deadline.target_minutes == 10 * 24 * 60
    assert deadline.calendar.code == "5x24"
    assert deadline.due_at == _expected_due(received.good_received_at)
    # 28, 29, 30 Sep; 8, 9, 10 (make-up Saturday), 12, 13, 14, 15 Oct: due at midnight after the 15th.
    assert deadline.due_at == _at(2026, 10, 16)
    assert received.return_due_at == deadline.due_at
    (warning,) = Alarm.objects.filter(deadline=deadline)
    assert warning.fire_at == _at(2026, 10, 14)  # two working days before


def test_the_warning_goes_to_the_branch_clerks_once(received, clerk):
    assert sweep(now=_at(2026, 10, 13, 23, 59))["alarms"] == 0
    assert sweep(now=_at(2026, 10, 14, 0, 1))["alarms"] == 1
    assert sweep(now=_at(2026, 10, 14, 0, 2))["alarms"] == 0
    rows = Notification.objects.filter(kind="rma_return_due_soon")
    assert [row.recipient for row in rows] == [clerk]
    assert Entry.objects.filter(kind="parts.rma.return_warning", subject_id=received.pk).count() == 1


def test_the_breach_escalates_once_to_the_clerks_and_the_centre_manager(received, clerk, manager):
    assert sweep(now=_at(2026, 10, 15, 23, 59))["breaches"] == 0
    with time_machine.travel(_at(2026, 10, 16, 0, 1)):
        assert sweep(now=_at(2026, 10, 16, 0, 1))["breaches"] == 1
        assert sweep(now=_at(2026, 10, 16, 0, 2))["breaches"] == 0
    deadline = _deadline(received)
    assert deadline.breached_at == _at(2026, 10, 16)
    overdue = Notification.objects.filter(kind="rma_return_overdue")
    assert {row.recipient for row in overdue} == {clerk, manager} and overdue.count() == 2
    (entry,) = Entry.objects.filter(kind="parts.rma.overdue", subject_id=received.pk)
    assert dt.datetime.fromisoformat(entry.data["due_at"]) == _at(2026, 10, 16)


def test_shipping_in_time_meets_it_and_nothing_escalates(received, clerk, manager):
    with time_machine.travel(_at(2026, 10, 13, 9)):
        services.ship_defective_part(rma=received, carrier="顺丰", waybill="SF1", by=clerk)
    deadline = _deadline(received)
    assert deadline.met_at == _at(2026, 10, 13, 9) and deadline.breached_at is None
    assert sweep(now=_at(2026, 10, 20)) == {"breaches": 0, "alarms": 0}  # warning cancelled too
    assert not Notification.objects.filter(kind__in=["rma_return_overdue", "rma_return_due_soon"]).exists()


def test_shipping_late_records_the_breach_once(received, clerk, manager):
    with time_machine.travel(_at(2026, 10, 19, 9)):
        services.ship_defective_part(rma=received, carrier="顺丰", waybill="SF1", by=clerk)
    deadline = _deadline(received)
    assert deadline.met_at is not None and deadline.breached_at == _at(2026, 10, 16)
    assert Notification.objects.filter(kind="rma_return_overdue").count() == 2
    assert sweep(now=_at(2026, 10, 20))["breaches"] == 0


def test_cancelling_stops_a_running_deadline(received, clerk):
    rma_deadlines.stop_return_deadline(received, at=_at(2026, 10, 12))
    assert _deadline(received).stopped_at == _at(2026, 10, 12)
    assert sweep(now=_at(2026, 10, 20)) == {"breaches": 0, "alarms": 0}


def test_time_left_reads_in_working_days_and_red_when_breached(received):
    deadline = _deadline(received)
    with translation.override("zh-hans"):
        running = display.view(deadline, _at(2026, 10, 12, 10))  # Monday: 12 (part), 13, 14, 15
        assert (running.words, running.colour) == ("剩余 3 个工作日", "green")
        last = display.view(deadline, _at(2026, 10, 15, 10))
        assert (last.words, last.colour) == ("剩余 14 小时", "amber")
        sweep(now=_at(2026, 10, 16, 0, 1))
        deadline.refresh_from_db()
        late = display.view(deadline, _at(2026, 10, 19, 10))  # Friday 16 whole, Monday 19 part
        assert (late.words, late.colour) == ("已超时 1 个工作日", "red")


def test_the_clerks_screens_show_the_time_left(received, clerk, client):
    client.force_login(clerk)
    with time_machine.travel(_at(2026, 10, 12, 10)), translation.override("zh-hans"):
        desk = client.get(reverse("parts:desk"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        history = client.get(reverse("parts:rmas"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    for page in (desk, history):
        assert page.status_code == 200
        assert "剩余 3 个工作日" in page.content.decode()
    with time_machine.travel(_at(2026, 10, 19, 10)):
        sweep(now=_at(2026, 10, 19, 10))
        desk = client.get(reverse("parts:desk"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "pill-red" in desk.content.decode() and "已超时 1 个工作日" in desk.content.decode()


def test_the_api_gives_the_time_left_in_the_list_and_one_rma(received, clerk):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(clerk)
    with time_machine.travel(_at(2026, 10, 12, 10)):
        (row,) = client.get("/api/v1/rmas/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
        one = client.get(f"/api/v1/rmas/{received.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert (row["return_time_left"], row["return_state"]) == ("剩余 3 个工作日", "running")
    assert one["return_time_left"] == "剩余 3 个工作日"


def test_a_receipt_recorded_after_the_due_time_escalates_without_a_warning(clerk, branch, part, manager):
    with time_machine.travel(_at(2026, 11, 23, 10)):
        rma = services.claim_rma(number="rma-late", warehouse=branch, part=part, by=clerk)
        services.receive_rma_part(rma=rma, good_serial="g-l", received_at=_at(2026, 11, 2, 9), by=clerk)
        assert sweep(now=_at(2026, 11, 23, 10, 1)) == {"breaches": 1, "alarms": 1}
    assert Notification.objects.filter(kind="rma_return_overdue").count() == 2
    assert not Notification.objects.filter(kind="rma_return_due_soon").exists()
