import datetime as dt

import pytest

from aftersales.accounts.roles import Role
from aftersales.contracts.services import queue_renewal_reminders
from aftersales.notifications.models import Notification
from tests.factories import ContractFactory


@pytest.fixture
def dept_manager(make_user):
    return make_user(Role.DEPT_MANAGER, username="dm")


@pytest.fixture
def contract(customer_a):
    return ContractFactory(customer=customer_a, end_date=dt.date(2026, 12, 31), renewal_reminder_days=60)


def test_no_reminder_before_the_window_opens(dept_manager, contract):
    assert queue_renewal_reminders(today=dt.date(2026, 10, 31)) == 0
    assert not Notification.objects.exists()


def test_reminder_on_the_first_day_of_the_window(dept_manager, contract):
    assert queue_renewal_reminders(today=dt.date(2026, 10, 31)) == 0
    assert queue_renewal_reminders(today=dt.date(2026, 11, 1)) == 1  # 31 Dec minus 60 days
    reminder = Notification.objects.get()
    assert reminder.recipient == dept_manager
    assert contract.number in reminder.subject


def test_reminder_is_sent_once_however_often_the_job_runs(dept_manager, contract):
    queue_renewal_reminders(today=dt.date(2026, 12, 1))
    assert queue_renewal_reminders(today=dt.date(2026, 12, 2)) == 0
    assert Notification.objects.count() == 1


def test_expired_contract_gets_no_reminder(dept_manager, contract):
    assert queue_renewal_reminders(today=dt.date(2027, 1, 1)) == 0
