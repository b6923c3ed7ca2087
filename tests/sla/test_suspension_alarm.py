"""The suspension's expected end is an alarm of the deadlines mechanism: scheduled when the
suspension is approved, cancelled when the case resumes, fired once by the one sweep (the
minute task's), whatever else that sweep fires."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.cases import services
from aftersales.cases.models import EventKind, Severity, Status
from aftersales.contracts.models import Coverage
from aftersales.deadlines import services as deadlines
from aftersales.deadlines.models import Alarm
from aftersales.notifications.models import Notification
from aftersales.sla.models import SUSPENSION_END_ALARM, SuspensionRequest
from aftersales.sla.services import sweep_counts
from tests.sla.conftest import local, suspend

pytestmark = pytest.mark.django_db

MONDAY_10 = local(2026, 6, 8, 10, 0)
END = local(2026, 6, 9, 18, 0)


@pytest.fixture
def working(travel, staff, contract_for, fault, engineer):
    contract_for(Coverage.H7X24)
    travel(MONDAY_10)
    return services.transition(case=fault(Severity.B), action="accept", by=engineer)


def _alarms(case):
    return list(Alarm.objects.for_subject(case).filter(kind=SUSPENSION_END_ALARM))


def _reminders():
    return list(Notification.objects.filter(kind=Notification.Kind.SUSPENSION_END))


def test_asking_schedules_nothing_approving_schedules_the_alarm(working, engineer, duty_manager):
    request = services.request_suspension(
        case=working,
        by=engineer,
        reason="客户机房停电检修",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=MONDAY_10,
        expected_end_at=END,
    )
    assert _alarms(working) == []

    services.decide_suspension(request=request, by=duty_manager, approve=True, note="同意")

    (alarm,) = _alarms(working)
    assert (alarm.key, alarm.ref, alarm.fire_at, alarm.fired_at, alarm.cancelled_at) == (
        f"suspension-end:{request.pk}",
        request.pk,
        END,
        None,
        None,
    )


def test_a_rejected_suspension_schedules_nothing(working, engineer, duty_manager):
    request = services.request_suspension(
        case=working,
        by=engineer,
        reason="客户机房停电检修",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=MONDAY_10,
        expected_end_at=END,
    )
    services.decide_suspension(request=request, by=duty_manager, approve=False, note="不同意")
    assert _alarms(working) == []


def test_resuming_cancels_the_alarm_and_the_sweep_then_reminds_nobody(working, engineer, duty_manager, travel):
    suspend(working, engineer=engineer, duty_manager=duty_manager, expected_end_at=END)
    traveller = travel(local(2026, 6, 9, 9, 0))
    services.transition(case=working, action="unsuspend", by=engineer)

    (alarm,) = _alarms(working)
    assert alarm.cancelled_at == local(2026, 6, 9, 9, 0) and alarm.fired_at is None
    traveller.move_to(END + dt.timedelta(hours=1))
    assert deadlines.sweep_by_kind().fired[SUSPENSION_END_ALARM] == 0
    assert _reminders() == []


def test_the_one_sweep_fires_it_once_and_counts_it_apart(working, engineer, duty_manager, travel):
    request = suspend(working, engineer=engineer, duty_manager=duty_manager, expected_end_at=END)
    travel(END + dt.timedelta(minutes=1))

    assert sweep_counts()["suspension_reminders"] == 1
    assert sweep_counts()["suspension_reminders"] == 0
    (alarm,) = _alarms(working)
    assert alarm.fired_at == END + dt.timedelta(minutes=1)
    assert [row.dedupe_key for row in _reminders()] == [f"suspension-end:{request.pk}"]
    request.refresh_from_db()
    assert request.end_reminded_at == END + dt.timedelta(minutes=1)
    assert working.events.filter(kind=EventKind.SUSPENSION, text__contains="expected to end").count() == 1


def test_an_alarm_left_behind_by_a_resumption_does_not_remind(working, engineer, duty_manager, travel):
    """A resumption racing the sweep: the handler checks the case is still suspended under it."""
    suspend(working, engineer=engineer, duty_manager=duty_manager, expected_end_at=END)
    traveller = travel(local(2026, 6, 9, 9, 0))
    services.transition(case=working, action="unsuspend", by=engineer)
    Alarm.objects.filter(kind=SUSPENSION_END_ALARM).update(cancelled_at=None)  # as if not cancelled yet
    traveller.move_to(END + dt.timedelta(minutes=1))

    assert deadlines.sweep_by_kind().fired[SUSPENSION_END_ALARM] == 1
    assert _reminders() == []
    working.refresh_from_db()
    assert working.status == Status.IN_PROGRESS
