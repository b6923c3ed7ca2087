"""The duty roster: shifts across midnight, holidays and make-up days, swaps, and after-hours
cases going to (and told to) the people on duty."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases import services as case_services
from aftersales.cases.models import Channel, EventKind, Kind, Severity
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.dispatch import notices
from aftersales.dispatch.models import Proposal, Shift, ShiftSwap
from aftersales.dispatch.services import after_hours, on_duty, plan_shift, shift_times, swap_shift
from aftersales.notifications.models import Notification
from aftersales.sla.models import Clock
from aftersales.timeline.models import Entry
from tests.dispatch.conftest import HOLIDAY, MAKEUP_SATURDAY, MONDAY, SUNDAY, at


def night(team, engineer, manager, day=MONDAY) -> Shift:
    starts, ends = shift_times(day, Shift.Kind.NIGHT)
    return plan_shift(
        team=team,
        kind=Shift.Kind.NIGHT,
        starts_at=starts,
        ends_at=ends,
        duty_engineer=engineer,
        duty_manager=manager,
        by=manager,
    )


def test_a_night_shift_runs_across_midnight_and_ends_at_its_end(team, zhang, duty_manager):
    shift = night(team, zhang, duty_manager)
    assert (shift.starts_at, shift.ends_at) == (at(MONDAY, 17, 30), at(MONDAY + dt.timedelta(days=1), 8, 30))
    tuesday = MONDAY + dt.timedelta(days=1)
    assert list(on_duty(at(MONDAY, 17, 29), team=team)) == []
    assert list(on_duty(at(MONDAY, 17, 30), team=team)) == [shift]
    assert list(on_duty(at(MONDAY, 23, 59), team=team)) == [shift]
    assert list(on_duty(at(tuesday, 0, 30), team=team)) == [shift]
    assert list(on_duty(at(tuesday, 8, 29), team=team)) == [shift]
    assert list(on_duty(at(tuesday, 8, 30), team=team)) == []


def test_a_holiday_is_after_hours_and_a_make_up_saturday_is_not(calendar_2030):
    assert after_hours(at(HOLIDAY, 10))
    assert not after_hours(at(MAKEUP_SATURDAY, 10))
    assert after_hours(at(MAKEUP_SATURDAY, 18))
    assert after_hours(at(SUNDAY, 10))
    assert not after_hours(at(MONDAY, 8, 30))
    assert not after_hours(at(MONDAY, 12, 30))  # lunch is not after hours
    assert after_hours(at(MONDAY, 17, 30))
    assert after_hours(at(MONDAY, 7, 59))


def test_overlapping_shifts_and_shifts_ending_before_they_start_are_refused(team, zhang, li, duty_manager):
    night(team, zhang, duty_manager)
    with pytest.raises(DomainError) as overlap:
        night(team, li, duty_manager)
    assert "starts_at" in overlap.value.fields
    with pytest.raises(DomainError) as backwards:
        plan_shift(
            team=team,
            kind="day",
            starts_at=at(MONDAY, 9),
            ends_at=at(MONDAY, 8),
            duty_engineer=li,
            duty_manager=duty_manager,
            by=duty_manager,
        )
    assert "ends_at" in backwards.value.fields


def test_only_managers_plan_and_a_duty_manager_must_be_a_manager(team, zhang, li, duty_manager):
    with pytest.raises(NotAllowed):
        plan_shift(
            team=team,
            kind="day",
            starts_at=at(MONDAY, 8),
            ends_at=at(MONDAY, 17),
            duty_engineer=zhang,
            duty_manager=duty_manager,
            by=zhang,
        )
    with pytest.raises(DomainError) as error:
        plan_shift(
            team=team,
            kind="day",
            starts_at=at(MONDAY, 8),
            ends_at=at(MONDAY, 17),
            duty_engineer=zhang,
            duty_manager=li,
            by=duty_manager,
        )
    assert "duty_manager" in error.value.fields


def test_a_swap_records_who_when_why_and_changes_who_is_on_duty(team, zhang, li, duty_manager):
    shift = night(team, zhang, duty_manager)
    with time_machine.travel(at(MONDAY, 12), tick=False):
        swap = swap_shift(shift=shift, by=duty_manager, duty="engineer", to_user=li, reason="张工家中有事")
    assert (swap.from_user, swap.to_user, swap.by, swap.reason) == (zhang, li, duty_manager, "张工家中有事")
    assert swap.at == at(MONDAY, 12)
    assert on_duty(at(MONDAY, 23), team=team).get().duty_engineer == li
    entry = Entry.objects.filter(kind="dispatch.shift.swapped").get()
    assert entry.data["changes"] == {"duty_engineer": [zhang.pk, li.pk]}
    with pytest.raises(Conflict):
        swap_shift(shift=shift, by=duty_manager, duty="engineer", to_user=zhang, reason="x", expected_user=zhang)
    with pytest.raises(DomainError):
        swap_shift(shift=shift, by=duty_manager, duty="engineer", to_user=zhang, reason="  ")
    assert ShiftSwap.objects.count() == 1


def _open(customer, agent, equipment, severity=Severity.A, **kwargs):
    return case_services.open_case(
        customer=customer,
        by=agent,
        title="中继全断",
        description="所有外线不通",
        kind=Kind.FAULT,
        severity=severity,
        channel=Channel.PHONE,
        equipment=equipment,
        **kwargs,
    )


def test_a_holiday_case_goes_to_the_holiday_duty_engineer_who_is_told_by_sms(
    calendar_2030, team, zhang, li, duty_manager, agent, customer_a, sh_equipment
):
    team.auto_assign = False  # after hours the person on duty gets it all the same
    team.save()
    starts, ends = shift_times(HOLIDAY, Shift.Kind.HOLIDAY)
    plan_shift(
        team=team,
        kind="holiday",
        starts_at=starts,
        ends_at=ends,
        duty_engineer=li,
        duty_manager=duty_manager,
        by=duty_manager,
    )
    with time_machine.travel(at(HOLIDAY, 10), tick=False):
        case = _open(customer_a, agent, sh_equipment)
    assert (case.owner, case.team) == (li, team)
    proposal = Proposal.objects.get(case=case)
    assert proposal.after_hours and proposal.applied
    told = Notification.objects.filter(kind=notices.DUTY_CASE)
    assert {n.recipient for n in told} == {li, duty_manager}
    assert all(n.payload["channels"] == ["sms", "im", "email"] for n in told)


def test_on_a_make_up_saturday_cases_are_handed_out_as_on_a_working_day(
    calendar_2030, team, zhang, li, duty_manager, agent, customer_a, sh_equipment
):
    with time_machine.travel(at(MAKEUP_SATURDAY, 10), tick=False):
        first = _open(customer_a, agent, sh_equipment)
        second = _open(customer_a, agent, sh_equipment)
    assert {first.owner, second.owner} == {zhang, li}
    assert not Proposal.objects.get(case=first).after_hours
    assert not Notification.objects.filter(kind=notices.DUTY_CASE).exists()


def test_after_hours_nobody_off_duty_gets_the_case_when_nobody_is_on_duty(
    calendar_2030, team, zhang, agent, customer_a, sh_equipment
):
    with time_machine.travel(at(SUNDAY, 3), tick=False):
        case = _open(customer_a, agent, sh_equipment)
    assert case.owner is None and case.team == team  # on the duty board as unassigned


def test_a_call_taken_after_hours_is_entered_later_with_its_real_time(
    team, zhang, duty_manager, agent, customer_a, sh_equipment
):
    night(team, zhang, duty_manager)
    called = at(MONDAY + dt.timedelta(days=1), 2, 10)
    with time_machine.travel(at(MONDAY + dt.timedelta(days=1), 8, 45), tick=False):
        case = _open(customer_a, agent, sh_equipment, opened_at=called)
    assert case.opened_at == called
    late = case.events.get(kind=EventKind.ENTERED_LATE)
    assert "02:10" in late.text and "08:45" in late.text
    sign_off = Clock.objects.get(case=case, kind="sign_off")
    assert sign_off.due_at == called + dt.timedelta(minutes=10)
    assert case.owner == zhang  # the engineer on duty at the time of the call


def test_a_call_time_in_the_future_is_refused(agent, customer_a, sh_equipment):
    from django.utils import timezone

    from aftersales.cases.errors import CaseError

    with pytest.raises(CaseError) as error:
        _open(customer_a, agent, sh_equipment, opened_at=timezone.now() + dt.timedelta(hours=1))
    assert "opened_at" in error.value.fields


def test_a_week_is_planned_from_the_calendar_nights_on_working_days_whole_days_off(
    calendar_2030, team, zhang, li, duty_manager
):
    from aftersales.dispatch.services import fill_week

    planned = fill_week(
        team=team,
        monday=MAKEUP_SATURDAY - dt.timedelta(days=5),
        engineers=[zhang, li],
        duty_manager=duty_manager,
        by=duty_manager,
    )
    kinds = [(timezone_date(s.starts_at), s.kind) for s in planned]
    assert kinds[5] == (MAKEUP_SATURDAY, "night")  # 调休: a working day, so only its night
    assert kinds[6] == (SUNDAY, "holiday")
    assert [k for _d, k in kinds].count("night") == 6
    assert [s.duty_engineer for s in planned[:3]] == [zhang, li, zhang]
    holiday_week = fill_week(
        team=team, monday=HOLIDAY - dt.timedelta(days=1), engineers=[zhang], duty_manager=duty_manager, by=duty_manager
    )
    assert [s.kind for s in holiday_week][:2] == ["night", "holiday"]  # Monday night, National Day whole day
    assert (
        fill_week(
            team=team,
            monday=HOLIDAY - dt.timedelta(days=1),
            engineers=[zhang],
            duty_manager=duty_manager,
            by=duty_manager,
        )
        == []
    )  # nothing planned twice
    # Around the clock out of office hours: from Monday 17:30 to the next Monday 08:30.
    assert not list(on_duty(at(MONDAY - dt.timedelta(days=7), 12), team=team))
    for moment in (
        at(SUNDAY, 3),
        at(SUNDAY, 12),
        at(MAKEUP_SATURDAY, 20),
        at(MAKEUP_SATURDAY - dt.timedelta(days=1), 23),
    ):
        assert on_duty(moment, team=team).count() == 1, moment


def timezone_date(moment):
    from django.utils import timezone

    return timezone.localtime(moment).date()


def test_after_hours_a_team_without_anyone_on_duty_hands_over_to_the_regions_duty(
    team, zhang, make_user, duty_manager, agent, customer_a, sh_equipment
):
    from aftersales.accounts.roles import Role
    from aftersales.dispatch.models import Engineer, Team

    network = Team.objects.create(name="上海网络组", region="上海")
    on_call = make_user(Role.ENGINEER, username="on-call")
    network.members.add(on_call)
    Engineer.objects.create(user=on_call, region="上海")
    night(network, on_call, duty_manager)  # only the network team has a roster tonight
    with time_machine.travel(at(MONDAY, 22), tick=False):
        case = _open(customer_a, agent, sh_equipment)
    assert (case.owner, case.team) == (on_call, team)
    assert {n.recipient for n in Notification.objects.filter(kind=notices.DUTY_CASE)} == {on_call, duty_manager}


def test_the_people_on_duty_get_an_sms_for_a_severity_a_case(
    calendar_2030, team, zhang, duty_manager, agent, customer_a, sh_equipment, mailoutbox
):
    from aftersales.notifications.delivery import deliver_due

    zhang.phone = "139 1700 0011"
    zhang.email = "zhang@example.com"
    zhang.save()
    starts, ends = shift_times(HOLIDAY, Shift.Kind.HOLIDAY)
    plan_shift(
        team=team,
        kind="holiday",
        starts_at=starts,
        ends_at=ends,
        duty_engineer=zhang,
        duty_manager=duty_manager,
        by=duty_manager,
    )
    with time_machine.travel(at(HOLIDAY, 10), tick=False):
        case = _open(customer_a, agent, sh_equipment)
        deliver_due()
        deliver_due()
    sms = Notification.objects.filter(channel="sms", case=case, kind=notices.DUTY_CASE)
    assert sms.exists() and set(sms.values_list("status", flat=True)) == {"sent"}
    assert case.number in sms.first().body_text and "非工作时间" in sms.first().body_text
    assert any(case.number in mail.subject and "非工作时间" in mail.subject for mail in mailoutbox)
