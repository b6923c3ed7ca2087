"""The scenarios of the service-clock issue, driven by time travel: weekends, public holidays,
make-up working days (调休), a suspension across National Day, a severity raised mid-way."""

from __future__ import annotations

import pytest

from aftersales.cases import services
from aftersales.cases.models import EventKind, Severity, Status
from aftersales.contracts.models import Coverage
from aftersales.notifications.models import Notification
from aftersales.sla.models import ClockKind, Escalation, SuspensionRequest
from aftersales.sla.services import sweep
from tests.sla.conftest import dues, local, only, running, suspend

pytestmark = pytest.mark.django_db


def test_d_case_logged_on_friday_at_1720_on_5x8_runs_over_the_weekend(travel, staff, fault, duty_manager):
    traveller = travel(local(2026, 6, 5, 17, 20))  # Friday, ten office minutes left

    case = fault(Severity.D)  # no contract: 5×8

    assert dues(case) == {
        ClockKind.SIGN_OFF: local(2026, 6, 8, 9, 20),  # 10 min Friday + 50 min Monday
        ClockKind.RESPONSE: local(2026, 6, 8, 10, 20),  # 10 + 110
        ClockKind.REPLY: local(2026, 6, 11, 9, 50),  # 10 + 450 Mon + 450 Tue + 450 Wed + 80 Thu
    }
    assert {clock.calendar.code for clock in running(case).values()} == {"5x8"}

    # Nothing is late over the weekend, nor on Monday before 09:20.
    traveller.move_to(local(2026, 6, 7, 23, 0))
    assert sweep() == {"breaches": 0, "escalations": 0}
    traveller.move_to(local(2026, 6, 8, 9, 19))
    assert sweep() == {"breaches": 0, "escalations": 0}

    traveller.move_to(local(2026, 6, 8, 9, 20))
    assert sweep() == {"breaches": 1, "escalations": 1}
    sign_off = only(case, ClockKind.SIGN_OFF)
    assert sign_off.breached_at == local(2026, 6, 8, 9, 20)
    breach = case.events.get(kind=EventKind.BREACHED)
    assert (breach.at, breach.changes) == (
        local(2026, 6, 8, 9, 20),
        {str(ClockKind.SIGN_OFF.label): ["due 2026-06-08 09:20", "Breached"]},
    )
    assert list(
        Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATION).values_list("recipient", flat=True)
    ) == [duty_manager.pk]


@pytest.mark.parametrize(
    ("coverage", "expected"),
    [
        pytest.param(
            Coverage.H7X24,
            {
                # C runs on 5×24: four hours of 30 September are left, then National Day.
                ClockKind.SIGN_OFF: local(2026, 9, 30, 20, 30),
                ClockKind.RESPONSE: local(2026, 9, 30, 21, 0),
                ClockKind.PROGRESS: local(2026, 10, 1, 0, 0),  # exactly the last four hours
                ClockKind.REPLY: local(2026, 10, 8, 2, 0),  # 240 min on the 30th + 120 on the 8th
            },
            id="5x24",
        ),
        pytest.param(
            None,
            {
                # Without a contract, 5×8: nothing counts before 08:30 on 8 October.
                ClockKind.SIGN_OFF: local(2026, 10, 8, 9, 0),
                ClockKind.RESPONSE: local(2026, 10, 8, 9, 30),
                ClockKind.PROGRESS: local(2026, 10, 8, 14, 0),  # 210 morning + 30 afternoon
                ClockKind.REPLY: local(2026, 10, 8, 16, 0),  # 210 + 150
            },
            id="5x8",
        ),
    ],
)
def test_c_case_logged_the_evening_before_national_day(coverage, expected, travel, staff, contract_for, fault):
    if coverage:
        contract_for(coverage)
    traveller = travel(local(2026, 9, 30, 20, 0))  # Wednesday evening; 1–7 October are holidays

    case = fault(Severity.C)

    assert dues(case) == expected
    # During the holiday, only what was due before it is late.
    traveller.move_to(local(2026, 10, 5, 12, 0))
    sweep()
    breached = set(case.clocks.filter(breached_at__isnull=False).values_list("kind", flat=True))
    assert breached == {kind for kind, due in expected.items() if due <= local(2026, 10, 5, 12, 0)}


def test_d_case_logged_on_a_make_up_working_saturday(travel, staff, fault):
    traveller = travel(local(2026, 10, 10, 9, 0))  # Saturday 10 October 2026 is a working day (调休)
    make_up = fault(Severity.D)
    traveller.move_to(local(2026, 10, 17, 9, 0))  # an ordinary Saturday a week later
    weekend = fault(Severity.D)

    assert dues(make_up) == {
        ClockKind.SIGN_OFF: local(2026, 10, 10, 10, 0),
        ClockKind.RESPONSE: local(2026, 10, 10, 11, 0),
        # Saturday 180 + 240, Sunday closed, Monday 450, Tuesday 450, Wednesday 120.
        ClockKind.REPLY: local(2026, 10, 14, 10, 30),
    }
    assert dues(weekend) == {
        ClockKind.SIGN_OFF: local(2026, 10, 19, 9, 30),
        ClockKind.RESPONSE: local(2026, 10, 19, 10, 30),
        ClockKind.REPLY: local(2026, 10, 22, 10, 0),  # Mon 450 + Tue 450 + Wed 450 + Thu 90
    }


def test_c_case_logged_the_night_before_a_make_up_working_sunday(travel, staff, contract_for, fault):
    contract_for(Coverage.H7X24)
    travel(local(2026, 9, 19, 22, 0))  # Saturday; Sunday 20 September 2026 is a working day

    case = fault(Severity.C)

    # 5×24: Saturday night does not count; Sunday does, from midnight.
    assert dues(case) == {
        ClockKind.SIGN_OFF: local(2026, 9, 20, 0, 30),
        ClockKind.RESPONSE: local(2026, 9, 20, 1, 0),
        ClockKind.PROGRESS: local(2026, 9, 20, 4, 0),
        ClockKind.REPLY: local(2026, 9, 20, 6, 0),
    }


# --- suspension --------------------------------------------------------------------------


def test_suspension_spanning_national_day_moves_due_times_by_the_paused_business_time(
    travel, staff, fault, engineer, duty_manager
):
    # No contract: a C fault on 5×8.
    traveller = travel(local(2026, 9, 30, 9, 0))
    case = fault(Severity.C)
    assert dues(case)[ClockKind.REPLY] == local(2026, 9, 30, 16, 30)
    assert dues(case)[ClockKind.PROGRESS] == local(2026, 9, 30, 14, 30)
    traveller.move_to(local(2026, 9, 30, 9, 10))
    services.transition(case=case, action="accept", by=engineer)

    traveller.move_to(local(2026, 9, 30, 10, 55))
    request = services.request_suspension(
        case=case,
        by=engineer,
        reason="客户节后才能安排停机窗口",
        consent_by="信息科王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=local(2026, 9, 30, 10, 50),
        expected_end_at=local(2026, 10, 8, 9, 0),
    )
    assert dues(case)[ClockKind.REPLY] == local(2026, 9, 30, 16, 30), "a request alone pauses nothing"
    traveller.move_to(local(2026, 9, 30, 11, 0))
    services.decide_suspension(request=request, by=duty_manager, approve=True, note="同意节后处理")

    case.refresh_from_db()
    assert case.status == Status.SUSPENDED
    assert case.next_due_at is None
    assert {clock.paused_at for clock in running(case).values()} == {local(2026, 9, 30, 11, 0)}

    # Nothing is late and nothing escalates while suspended, not even after the old due times.
    for day in (local(2026, 9, 30, 17, 0), local(2026, 10, 3, 12, 0), local(2026, 10, 8, 13, 59)):
        traveller.move_to(day)
        assert sweep() == {"breaches": 0, "escalations": 0}

    traveller.move_to(local(2026, 10, 8, 14, 0))
    services.transition(case=case, action="unsuspend", by=engineer, text="客户已安排停机窗口")

    # Paused: 30 September 11:00–12:00 and 13:30–17:30 (300 min), the holiday is closed anyway,
    # 8 October 08:30–12:00 and 13:30–14:00 (240 min): 540 business minutes.
    clocks = running(case)
    assert {kind: clock.paused_minutes for kind, clock in clocks.items()} == {
        ClockKind.REPLY: 540,
        ClockKind.PROGRESS: 540,
    }
    assert {kind: clock.paused_at for kind, clock in clocks.items()} == {
        ClockKind.REPLY: None,
        ClockKind.PROGRESS: None,
    }
    assert dues(case) == {
        ClockKind.REPLY: local(2026, 10, 9, 9, 0),  # 240 min were left: 210 on the 8th, 30 on the 9th
        ClockKind.PROGRESS: local(2026, 10, 8, 16, 0),  # 120 min were left
    }
    case.refresh_from_db()
    assert (case.status, case.next_due_at) == (Status.IN_PROGRESS, local(2026, 10, 8, 16, 0))

    timeline = [
        (event.kind, event.from_status, event.to_status, event.at)
        for event in case.events.filter(kind__in=[EventKind.SUSPENSION, EventKind.STATUS]).order_by("at", "pk")
    ]
    assert timeline == [
        (EventKind.STATUS, Status.NEW, Status.ACCEPTED, local(2026, 9, 30, 9, 10)),
        (EventKind.SUSPENSION, "", "", local(2026, 9, 30, 10, 55)),
        (EventKind.STATUS, Status.ACCEPTED, Status.SUSPENDED, local(2026, 9, 30, 11, 0)),
        # The one sweep at 13:59 is past the expected end (09:00): the owner was reminded.
        (EventKind.SUSPENSION, "", "", local(2026, 10, 8, 13, 59)),
        (EventKind.STATUS, Status.SUSPENDED, Status.IN_PROGRESS, local(2026, 10, 8, 14, 0)),
    ]
    requested = case.events.filter(kind=EventKind.SUSPENSION).order_by("at", "pk")[0]
    assert "客户节后才能安排停机窗口" in requested.text and "信息科王主任" in requested.text

    # After the resumption the clocks count again.
    traveller.move_to(local(2026, 10, 8, 16, 0))
    assert sweep() == {"breaches": 1, "escalations": 1}  # progress overdue → owner and duty manager
    assert only(case, ClockKind.PROGRESS).breached_at == local(2026, 10, 8, 16, 0)


def test_a_rejected_suspension_pauses_nothing(travel, staff, contract_for, fault, engineer, duty_manager):
    contract_for(Coverage.H7X24)
    traveller = travel(local(2026, 6, 8, 10, 0))
    case = fault(Severity.B)
    services.transition(case=case, action="accept", by=engineer)
    before = dues(case)
    request = services.request_suspension(
        case=case,
        by=engineer,
        reason="等待客户确认",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.EMAIL,
        consent_at=local(2026, 6, 8, 10, 0),
        expected_end_at=local(2026, 6, 9, 10, 0),
    )
    traveller.move_to(local(2026, 6, 8, 10, 5))

    services.decide_suspension(request=request, by=duty_manager, approve=False, note="B 级故障不得挂起")

    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert dues(case) == before
    assert not case.clocks.filter(paused_at__isnull=False).exists()
    texts = list(case.events.filter(kind=EventKind.SUSPENSION).order_by("at", "pk").values_list("text", flat=True))
    assert len(texts) == 2 and "B 级故障不得挂起" in texts[1]


def test_a_clock_already_overdue_when_suspended_stays_breached_at_its_due_time(
    travel, staff, contract_for, fault, engineer, duty_manager
):
    contract_for(Coverage.H7X24)
    traveller = travel(local(2026, 6, 8, 10, 0))
    case = fault(Severity.A)
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    # Nobody called the customer (first contact due 10:15) and no sweep ran before the pause.
    traveller.move_to(local(2026, 6, 8, 10, 20))
    suspend(case, engineer=engineer, duty_manager=duty_manager)
    traveller.move_to(local(2026, 6, 8, 11, 20))
    services.transition(case=case, action="unsuspend", by=engineer)

    first_contact = only(case, ClockKind.FIRST_CONTACT)
    assert first_contact.due_at == local(2026, 6, 8, 10, 15), "an overdue clock is not given new time"
    assert only(case, ClockKind.RESTORE).due_at == local(2026, 6, 8, 13, 0)  # 100 min were left
    sweep()
    first_contact.refresh_from_db()
    assert first_contact.breached_at == local(2026, 6, 8, 10, 15)


def test_a_progress_note_during_a_suspension_starts_the_next_interval_paused(
    travel, staff, contract_for, fault, engineer, duty_manager
):
    contract_for(Coverage.H7X24)
    traveller = travel(local(2026, 6, 8, 10, 0))
    case = fault(Severity.A)
    services.transition(case=case, action="accept", by=engineer)
    traveller.move_to(local(2026, 6, 8, 10, 10))
    suspend(case, engineer=engineer, duty_manager=duty_manager)

    traveller.move_to(local(2026, 6, 8, 11, 0))
    services.add_comment(case=case, by=engineer, text="已与客户确认停机窗口", public=False)

    progress = running(case)[ClockKind.PROGRESS]
    assert progress.paused_at == local(2026, 6, 8, 11, 0)
    traveller.move_to(local(2026, 6, 8, 12, 0))
    assert sweep() == {"breaches": 0, "escalations": 0}
    services.transition(case=case, action="unsuspend", by=engineer)
    assert running(case)[ClockKind.PROGRESS].due_at == local(2026, 6, 8, 12, 30)


# --- severity changes --------------------------------------------------------------------


def test_severity_raised_after_40_minutes_recomputes_clocks_from_the_opening(
    travel, staff, contract_for, fault, engineer, executive
):
    contract_for(Coverage.H7X24)
    traveller = travel(local(2026, 6, 8, 10, 0))
    case = fault(Severity.C)
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    assert not Escalation.objects.filter(case=case).exclude(rule__severities__contains="C").exists()

    traveller.move_to(local(2026, 6, 8, 10, 40))
    services.change_severity(case=case, by=engineer, severity=Severity.A, reason="全院电话中断，升级为重大故障")

    # Clocks of the new level, counted from the opening at 10:00 on 7×24.
    assert {kind: (c.due_at, c.calendar.code, c.started_at) for kind, c in running(case).items()} == {
        ClockKind.FIRST_CONTACT: (local(2026, 6, 8, 10, 15), "7x24", local(2026, 6, 8, 10, 0)),
        ClockKind.ON_SITE: (local(2026, 6, 8, 10, 30), "7x24", local(2026, 6, 8, 10, 0)),
        ClockKind.RESTORE: (local(2026, 6, 8, 12, 0), "7x24", local(2026, 6, 8, 10, 0)),
        ClockKind.PROGRESS: (local(2026, 6, 8, 10, 30), "7x24", local(2026, 6, 8, 10, 0)),
    }
    # Already past under the new level: the progress interval (30 min) ended at 10:30.
    assert only(case, ClockKind.PROGRESS).breached_at == local(2026, 6, 8, 10, 30)
    # What was met under C stays met: the case was signed at 10:05, within A's 10 minutes too.
    for kind in (ClockKind.SIGN_OFF, ClockKind.RESPONSE):
        clock = only(case, kind)
        assert (clock.met_at, clock.breached_at) == (local(2026, 6, 8, 10, 5), None)
    # C's reply target has no A counterpart.
    assert only(case, ClockKind.REPLY).stopped_at == local(2026, 6, 8, 10, 40)

    severity_event = case.events.get(kind=EventKind.SEVERITY)
    assert severity_event.text == "全院电话中断，升级为重大故障"
    explanation = case.events.get(kind=EventKind.CLOCK).text
    assert explanation.startswith("Clocks recomputed from the opening time:")
    for line in (
        "Progress update: due 2026-06-08 14:00 → 2026-06-08 10:30",
        "Reply to the customer: no longer applies",
        "First contact with the customer: started, due 2026-06-08 10:15",
        "Engineer on site: started, due 2026-06-08 10:30",
        "Service restored: started, due 2026-06-08 12:00",
    ):
        assert line in explanation

    # The A rules apply now: executives are told at once, "unresolved" counts from 10:00.
    at_opening = Escalation.objects.get(case=case, rule__trigger="opening")
    assert at_opening.fired_at == local(2026, 6, 8, 10, 40)
    assert Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATION, recipient=executive).count() == 1
    assert {e.rule.minutes: e.fire_at for e in case.escalations.filter(rule__trigger="unresolved")} == {
        120: local(2026, 6, 8, 12, 0),
        180: local(2026, 6, 8, 13, 0),
    }
    case.refresh_from_db()
    assert case.next_due_at == local(2026, 6, 8, 10, 15)


def test_severity_raised_before_sign_off_makes_the_sign_off_late(travel, staff, fault, engineer):
    traveller = travel(local(2026, 6, 8, 10, 0))
    case = fault(Severity.D)  # no contract: 5×8, sign-off within 60 min
    traveller.move_to(local(2026, 6, 8, 10, 40))

    services.change_severity(case=case, by=engineer, severity=Severity.B, reason="影响营业厅收银")

    # B's 10 minutes from 10:00 have passed (on 7×24: without a contract, B is served round the clock).
    sign_off = only(case, ClockKind.SIGN_OFF)
    assert (sign_off.due_at, sign_off.breached_at, sign_off.calendar.code) == (
        local(2026, 6, 8, 10, 10),
        local(2026, 6, 8, 10, 10),
        "7x24",
    )
    assert "Sign-off (签收): due 2026-06-08 11:00 → 2026-06-08 10:10" in case.events.get(kind=EventKind.CLOCK).text


def test_severity_lowered_gives_the_clocks_more_time(travel, staff, contract_for, fault, engineer):
    contract_for(Coverage.H7X24)
    traveller = travel(local(2026, 6, 8, 10, 0))
    case = fault(Severity.B)
    traveller.move_to(local(2026, 6, 8, 10, 5))

    services.change_severity(case=case, by=engineer, severity=Severity.C, reason="仅个别分机受影响")

    assert dues(case) == {
        ClockKind.SIGN_OFF: local(2026, 6, 8, 10, 30),
        ClockKind.RESPONSE: local(2026, 6, 8, 11, 0),
        ClockKind.PROGRESS: local(2026, 6, 8, 14, 0),
        ClockKind.REPLY: local(2026, 6, 8, 16, 0),
    }
    stopped = set(case.clocks.filter(stopped_at__isnull=False).values_list("kind", flat=True))
    assert stopped == {ClockKind.FIRST_CONTACT, ClockKind.ON_SITE, ClockKind.RESTORE}
    # The "unresolved" escalations of an A/B case no longer apply to a C case.
    traveller.move_to(local(2026, 6, 8, 13, 0))
    sweep()
    fired = set(Escalation.objects.filter(case=case, fired_at__isnull=False).values_list("rule__trigger", flat=True))
    assert fired == {"breached"}  # sign-off (10:30) and progress of C are overdue; nothing else
    case.refresh_from_db()
    assert case.tier == "L1"
