"""Dispatch due times on the deadlines mechanism: a pending handover is to be decided within 30
minutes and an unassigned case given to someone within 15; a miss alarms the duty manager once
(two sweeps), deciding or assigning meets it, and the board shows the time left."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.cases.models import Case
from aftersales.deadlines.models import Deadline
from aftersales.deadlines.services import sweep
from aftersales.dispatch import deadlines as dispatch_deadlines
from aftersales.dispatch import notices
from aftersales.dispatch.models import Handover, Shift, Team
from aftersales.dispatch.services import decide_handover, request_handover
from aftersales.notifications.models import Notification
from tests.dispatch.conftest import MONDAY, at


@pytest.fixture
def manual_team(team):
    team.auto_assign = False
    team.save()
    return team


@pytest.fixture
def unassigned(open_case, customer_a, sh_equipment, manual_team):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        case = open_case(customer_a, equipment=sh_equipment)
    case.refresh_from_db()
    assert case.owner_id is None
    return case


@pytest.fixture
def apps_team(make_user):
    lead = make_user(Role.DEPT_MANAGER, username="apps-lead")
    team = Team.objects.create(name="应用软件部", manager=lead)
    team.members.add(make_user(Role.SPECIALIST, username="apps-dev"))
    return team


def _deadline(subject, kind) -> Deadline:
    return Deadline.objects.for_subject(subject).get(kind=kind)


def test_an_unassigned_case_is_due_for_assignment_in_15_minutes_and_alarms_once(unassigned, duty_manager):
    deadline = _deadline(unassigned, dispatch_deadlines.ASSIGNMENT)
    assert deadline.due_at == at(MONDAY, 10, 15)
    assert sweep(now=at(MONDAY, 10, 14))["breaches"] == 0
    with time_machine.travel(at(MONDAY, 10, 16), tick=False):
        assert sweep(now=at(MONDAY, 10, 16))["breaches"] == 1
        assert sweep(now=at(MONDAY, 10, 17))["breaches"] == 0
    (alarm,) = Notification.objects.filter(kind=notices.UNASSIGNED_OVERDUE)
    assert alarm.recipient == duty_manager  # the team's manager: nobody is on a shift
    assert unassigned.events.filter(kind="dispatch.unassigned.overdue").count() == 1


def test_assigning_in_time_meets_it(unassigned, zhang, duty_manager):
    with time_machine.travel(at(MONDAY, 10, 9), tick=False):
        case_services.assign(case=unassigned, by=duty_manager, owner=zhang)
    deadline = _deadline(unassigned, dispatch_deadlines.ASSIGNMENT)
    assert deadline.met_at == at(MONDAY, 10, 9) and deadline.breached_at is None
    sweep(now=at(MONDAY, 12))
    assert _deadline(unassigned, dispatch_deadlines.ASSIGNMENT).breached_at is None
    assert not Notification.objects.filter(kind=notices.UNASSIGNED_OVERDUE).exists()


def test_a_case_given_at_opening_has_no_assignment_deadline(open_case, customer_a, sh_equipment, team, zhang):
    with time_machine.travel(at(MONDAY, 10), tick=False):  # office hours, the team assigns itself
        case = open_case(customer_a, equipment=sh_equipment)
    case.refresh_from_db()
    assert case.owner_id is not None
    assert not Deadline.objects.for_subject(case).filter(kind=dispatch_deadlines.ASSIGNMENT).exists()


def test_a_pending_handover_alarms_the_receiving_teams_duty_manager_once(
    unassigned, zhang, apps_team, make_user, make_engineer
):
    on_duty = make_user(Role.DUTY_MANAGER, username="apps-duty")
    Shift.objects.create(
        team=apps_team,
        starts_at=at(MONDAY, 8, 30),
        ends_at=at(MONDAY, 17, 30),
        duty_engineer=apps_team.members.get(),
        duty_manager=on_duty,
    )
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        handover = request_handover(case=unassigned, by=zhang, to_team=apps_team, reason="应用问题")
    deadline = _deadline(handover, dispatch_deadlines.HANDOVER)
    assert deadline.due_at == at(MONDAY, 10, 35)
    sweep(now=at(MONDAY, 10, 34))
    assert not Notification.objects.filter(kind=notices.HANDOVER_OVERDUE).exists()
    with time_machine.travel(at(MONDAY, 10, 36), tick=False):
        sweep(now=at(MONDAY, 10, 36))
        sweep(now=at(MONDAY, 10, 40))
    (alarm,) = Notification.objects.filter(kind=notices.HANDOVER_OVERDUE)
    assert alarm.recipient == on_duty and alarm.payload["handover"] == handover.pk
    assert unassigned.events.filter(kind="dispatch.handover.overdue").count() == 1


def test_deciding_in_time_meets_the_handover_deadline(unassigned, zhang, apps_team):
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        handover = request_handover(case=unassigned, by=zhang, to_team=apps_team, reason="应用问题")
    with time_machine.travel(at(MONDAY, 10, 20), tick=False):
        decide_handover(handover=handover, by=apps_team.manager, accept=False, note="属于硬件故障")
    deadline = _deadline(handover, dispatch_deadlines.HANDOVER)
    assert deadline.met_at == at(MONDAY, 10, 20) and deadline.breached_at is None
    sweep(now=at(MONDAY, 12))
    assert not Notification.objects.filter(kind=notices.HANDOVER_OVERDUE).exists()
    assert Handover.objects.get().status == Handover.Status.REFUSED


def test_the_board_shows_the_time_left_and_red_when_missed(client, unassigned, zhang, apps_team, duty_manager):
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        request_handover(case=Case.objects.get(pk=unassigned.pk), by=zhang, to_team=apps_team, reason="应用问题")
    with time_machine.travel(at(MONDAY, 10, 10), tick=False):
        client.force_login(duty_manager)
        page = client.get(reverse("dispatch:board"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    unassigned_part = page.split('data-testid="unassigned-due"')[1].split("</span>")[0]
    handover_part = page.split('data-testid="handover-due"')[1].split("</span>")[0]
    assert "剩余 5 分钟" in unassigned_part
    assert "剩余 25 分钟" in handover_part
    with time_machine.travel(at(MONDAY, 10, 40), tick=False):
        sweep(now=at(MONDAY, 10, 40))
        page = client.get(reverse("dispatch:board"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # The pill may carry the browser's ticking attributes between its test id and its words.
    assert re.search(r'pill-red" data-testid="unassigned-due"[^>]*>已超时 25 分钟', page)
    assert re.search(r'pill-red" data-testid="handover-due"[^>]*>已超时 5 分钟', page)


@pytest.mark.parametrize("minutes", [45])
def test_the_handover_time_is_a_setting(settings, unassigned, zhang, apps_team, minutes):
    settings.DISPATCH_HANDOVER_MINUTES = minutes
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        handover = request_handover(case=unassigned, by=zhang, to_team=apps_team, reason="应用问题")
    assert _deadline(handover, dispatch_deadlines.HANDOVER).due_at == at(MONDAY, 10, 5) + dt.timedelta(minutes=45)


def test_a_time_of_zero_turns_the_assignment_due_time_off(settings, open_case, customer_a, sh_equipment, manual_team):
    settings.DISPATCH_ASSIGNMENT_MINUTES = 0
    with time_machine.travel(at(MONDAY, 10), tick=False):
        case = open_case(customer_a, equipment=sh_equipment)
    assert not Deadline.objects.for_subject(case).filter(kind=dispatch_deadlines.ASSIGNMENT).exists()
