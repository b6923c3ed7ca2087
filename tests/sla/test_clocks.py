"""Clocks started at intake for every severity, on the calendar the contract allows, and met
(or breached) by the acts that satisfy them. Due times are worked out by hand from the
calendars: 7×24; 5×24 = working days round the clock; 5×8 = 08:30–12:00 and 13:30–17:30 on
working days; public holidays and make-up days from the seeded holiday table."""

from __future__ import annotations

import pytest

from aftersales.cases import services
from aftersales.cases.models import Severity, Status
from aftersales.contracts.models import Coverage
from aftersales.sla.models import Act, ClockKind
from aftersales.sla.services import sweep
from tests.sla.conftest import dues, local, only, running, suspend

pytestmark = pytest.mark.django_db

MONDAY_10 = local(2026, 6, 8, 10, 0)

# severity → {clock: (due, calendar)} for a case opened on Monday 2026-06-08 at 10:00 by a
# customer whose contract is 7×24, so every target runs on its own calendar.
NATIVE = {
    Severity.A: {
        ClockKind.SIGN_OFF: (local(2026, 6, 8, 10, 10), "7x24"),
        ClockKind.RESPONSE: (local(2026, 6, 8, 10, 15), "7x24"),
        ClockKind.FIRST_CONTACT: (local(2026, 6, 8, 10, 15), "7x24"),
        ClockKind.ON_SITE: (local(2026, 6, 8, 10, 30), "7x24"),
        ClockKind.RESTORE: (local(2026, 6, 8, 12, 0), "7x24"),
        ClockKind.PROGRESS: (local(2026, 6, 8, 10, 30), "7x24"),
    },
    Severity.B: {
        ClockKind.SIGN_OFF: (local(2026, 6, 8, 10, 10), "7x24"),
        ClockKind.RESPONSE: (local(2026, 6, 8, 10, 15), "7x24"),
        ClockKind.FIRST_CONTACT: (local(2026, 6, 8, 10, 15), "7x24"),
        ClockKind.ON_SITE: (local(2026, 6, 8, 10, 30), "7x24"),
        ClockKind.RESTORE: (local(2026, 6, 8, 14, 0), "7x24"),
        ClockKind.PROGRESS: (local(2026, 6, 8, 10, 30), "7x24"),
    },
    Severity.C: {
        ClockKind.SIGN_OFF: (local(2026, 6, 8, 10, 30), "5x24"),
        ClockKind.RESPONSE: (local(2026, 6, 8, 11, 0), "5x24"),
        ClockKind.REPLY: (local(2026, 6, 8, 16, 0), "5x24"),
        ClockKind.PROGRESS: (local(2026, 6, 8, 14, 0), "5x24"),
    },
    Severity.D: {
        ClockKind.SIGN_OFF: (local(2026, 6, 8, 11, 0), "5x8"),
        ClockKind.RESPONSE: (local(2026, 6, 8, 12, 0), "5x8"),  # a deadline may fall on closing time
        # 24 h of office hours: Mon 360 + Tue 450 + Wed 450 + Thu 180 minutes.
        ClockKind.REPLY: (local(2026, 6, 11, 11, 30), "5x8"),
    },
}


@pytest.mark.parametrize("severity", list(NATIVE))
def test_each_severity_starts_its_own_clocks_at_intake(severity, travel, staff, contract_for, fault):
    contract_for(Coverage.H7X24)
    travel(MONDAY_10)

    case = fault(severity)

    clocks = running(case)
    assert {kind: (clock.due_at, clock.calendar.code) for kind, clock in clocks.items()} == NATIVE[severity]
    for clock in clocks.values():
        assert clock.started_at == MONDAY_10
        assert clock.met_at is clock.breached_at is clock.paused_at is None
        assert clock.paused_minutes == 0
    # Depart starts only when an HQ engineer is asked for; the fault report at resolution.
    assert not case.clocks.filter(kind__in=[ClockKind.DEPART, ClockKind.FAULT_REPORT]).exists()
    case.refresh_from_db()
    assert case.next_due_at == min(due for due, _ in NATIVE[severity].values())


# --- contract coverage narrows the calendar ---------------------------------------------

FRIDAY_23 = local(2026, 6, 5, 23, 0)
A_ROUND_THE_CLOCK = {
    ClockKind.SIGN_OFF: local(2026, 6, 5, 23, 10),
    ClockKind.RESPONSE: local(2026, 6, 5, 23, 15),
    ClockKind.FIRST_CONTACT: local(2026, 6, 5, 23, 15),
    ClockKind.ON_SITE: local(2026, 6, 5, 23, 30),
    ClockKind.RESTORE: local(2026, 6, 6, 1, 0),  # Saturday, 01:00
    ClockKind.PROGRESS: local(2026, 6, 5, 23, 30),
}
A_WORKING_DAYS = {
    **A_ROUND_THE_CLOCK,
    # One hour on Friday night, the second from Monday 00:00.
    ClockKind.RESTORE: local(2026, 6, 8, 1, 0),
}
A_OFFICE_HOURS = {
    # Closed on Friday night and the weekend: everything counts from Monday 08:30.
    ClockKind.SIGN_OFF: local(2026, 6, 8, 8, 40),
    ClockKind.RESPONSE: local(2026, 6, 8, 8, 45),
    ClockKind.FIRST_CONTACT: local(2026, 6, 8, 8, 45),
    ClockKind.ON_SITE: local(2026, 6, 8, 9, 0),
    ClockKind.RESTORE: local(2026, 6, 8, 10, 30),
    ClockKind.PROGRESS: local(2026, 6, 8, 9, 0),
}


@pytest.mark.parametrize(
    ("coverage", "critical", "calendar", "expected"),
    [
        pytest.param(Coverage.H7X24, False, "7x24", A_ROUND_THE_CLOCK, id="7x24-contract"),
        pytest.param(Coverage.H5X24, False, "5x24", A_WORKING_DAYS, id="5x24-contract"),
        pytest.param(Coverage.H5X8, False, "5x8", A_OFFICE_HOURS, id="5x8-contract"),
        pytest.param(Coverage.H5X8, True, "7x24", A_ROUND_THE_CLOCK, id="5x8-contract-critical-round-the-clock"),
        pytest.param(None, False, "7x24", A_ROUND_THE_CLOCK, id="no-contract-a-b-round-the-clock"),
    ],
)
def test_contract_coverage_narrows_the_calendar_of_an_a_fault(
    coverage, critical, calendar, expected, travel, staff, contract_for, fault
):
    if coverage is not None:
        contract_for(coverage, critical=critical)
    travel(FRIDAY_23)

    case = fault(Severity.A)

    assert (case.contract is None) == (coverage is None)
    assert dues(case) == expected
    assert {clock.calendar.code for clock in running(case).values()} == {calendar}


def test_round_the_clock_for_critical_faults_covers_b_but_not_c(travel, staff, contract_for, fault):
    contract_for(Coverage.H5X8, critical=True)
    travel(FRIDAY_23)

    b_case = fault(Severity.B)
    c_case = fault(Severity.C)

    assert only(b_case, ClockKind.SIGN_OFF).due_at == local(2026, 6, 5, 23, 10)
    assert only(b_case, ClockKind.RESTORE).due_at == local(2026, 6, 6, 3, 0)
    assert {clock.calendar.code for clock in running(b_case).values()} == {"7x24"}
    # A C fault keeps the contract's office hours: Monday 08:30 + 30 minutes.
    assert only(c_case, ClockKind.SIGN_OFF).due_at == local(2026, 6, 8, 9, 0)
    assert {clock.calendar.code for clock in running(c_case).values()} == {"5x8"}


def test_a_wide_contract_never_widens_a_targets_own_calendar(travel, staff, contract_for, fault):
    contract_for(Coverage.H7X24)
    travel(FRIDAY_23)

    case = fault(Severity.C)

    # C targets run on 5×24: the weekend does not count even though the contract is 7×24.
    assert dues(case) == {
        ClockKind.SIGN_OFF: local(2026, 6, 5, 23, 30),
        ClockKind.RESPONSE: local(2026, 6, 6, 0, 0),  # Friday's last minute ends at midnight
        ClockKind.REPLY: local(2026, 6, 8, 5, 0),
        ClockKind.PROGRESS: local(2026, 6, 8, 3, 0),
    }


# --- acts meet their clocks ------------------------------------------------------------


@pytest.fixture
def a_case(travel, staff, contract_for, fault):
    """A severity A fault opened Monday 2026-06-08 10:00 on a 7×24 contract; returns (case, traveller)."""
    contract_for(Coverage.H7X24)
    traveller = travel(MONDAY_10)
    return fault(Severity.A), traveller


def test_acts_on_time_meet_their_clocks_without_a_breach(a_case, engineer, manager):
    case, traveller = a_case

    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    traveller.move_to(local(2026, 6, 8, 10, 12))
    services.record_act(case=case, by=engineer, act=Act.CONTACTED, text="已电话联系客户王主任")
    traveller.move_to(local(2026, 6, 8, 10, 25))
    services.record_act(case=case, by=engineer, act=Act.ON_SITE)
    services.transition(case=case, action="start", by=engineer)
    traveller.move_to(local(2026, 6, 8, 10, 50))
    services.record_act(case=case, by=engineer, act=Act.DEPART_REQUESTED, text="需总部工程师支援")
    assert only(case, ClockKind.DEPART).due_at == local(2026, 6, 8, 13, 50)
    traveller.move_to(local(2026, 6, 8, 11, 0))
    services.record_act(case=case, by=engineer, act=Act.DEPARTED)
    traveller.move_to(local(2026, 6, 8, 11, 30))
    services.transition(case=case, action="resolve", by=engineer, text="更换主控板，业务恢复")

    met = {clock.kind: clock.met_at for clock in case.clocks.filter(met_at__isnull=False)}
    assert met == {
        ClockKind.SIGN_OFF: local(2026, 6, 8, 10, 5),
        ClockKind.RESPONSE: local(2026, 6, 8, 10, 5),
        ClockKind.FIRST_CONTACT: local(2026, 6, 8, 10, 12),
        ClockKind.ON_SITE: local(2026, 6, 8, 10, 25),
        ClockKind.DEPART: local(2026, 6, 8, 11, 0),
        ClockKind.RESTORE: local(2026, 6, 8, 11, 30),
    }
    # The progress clock is no longer needed once the case is resolved.
    assert only(case, ClockKind.PROGRESS).stopped_at == local(2026, 6, 8, 11, 30)
    assert not case.clocks.filter(breached_at__isnull=False).exists()

    # The fault report is due two working days (5×24) later: Wednesday 11:30.
    report = only(case, ClockKind.FAULT_REPORT)
    assert (report.started_at, report.due_at, report.calendar.code) == (
        local(2026, 6, 8, 11, 30),
        local(2026, 6, 10, 11, 30),
        "5x24",
    )
    traveller.move_to(local(2026, 6, 9, 16, 0))
    services.transition(case=case, action="close", by=manager)
    assert running(case) == {ClockKind.FAULT_REPORT: report}, "closing keeps the fault report clock"
    services.record_act(case=case, by=engineer, act=Act.FAULT_REPORT, text="故障报告已提交")
    report.refresh_from_db()
    assert (report.met_at, report.breached_at) == (local(2026, 6, 9, 16, 0), None)
    assert sweep(now=local(2026, 6, 12, 0, 0)) == {"breaches": 0, "escalations": 0}


def test_a_late_act_records_the_breach_at_the_due_time(a_case, engineer):
    case, traveller = a_case

    traveller.move_to(local(2026, 6, 8, 10, 11))
    services.transition(case=case, action="accept", by=engineer)
    traveller.move_to(local(2026, 6, 8, 10, 16))
    services.record_act(case=case, by=engineer, act=Act.CONTACTED)
    traveller.move_to(local(2026, 6, 8, 10, 31))
    services.record_act(case=case, by=engineer, act=Act.ON_SITE)
    traveller.move_to(local(2026, 6, 8, 12, 1))
    services.transition(case=case, action="resolve", by=engineer, text="重启后恢复")
    # Resolved 12:01, so the report is due Wednesday 12:01 (two working days).
    traveller.move_to(local(2026, 6, 10, 12, 2))
    services.record_act(case=case, by=engineer, act=Act.FAULT_REPORT)

    late = {clock.kind: (clock.met_at, clock.breached_at) for clock in case.clocks.exclude(kind=ClockKind.PROGRESS)}
    assert late == {
        ClockKind.SIGN_OFF: (local(2026, 6, 8, 10, 11), local(2026, 6, 8, 10, 10)),
        # Accepted at 10:11, within the 15 minutes of the response target.
        ClockKind.RESPONSE: (local(2026, 6, 8, 10, 11), None),
        ClockKind.FIRST_CONTACT: (local(2026, 6, 8, 10, 16), local(2026, 6, 8, 10, 15)),
        ClockKind.ON_SITE: (local(2026, 6, 8, 10, 31), local(2026, 6, 8, 10, 30)),
        ClockKind.RESTORE: (local(2026, 6, 8, 12, 1), local(2026, 6, 8, 12, 0)),
        ClockKind.FAULT_REPORT: (local(2026, 6, 10, 12, 2), local(2026, 6, 10, 12, 1)),
    }


def test_an_act_exactly_at_the_due_time_is_on_time(a_case, engineer):
    case, traveller = a_case

    traveller.move_to(local(2026, 6, 8, 10, 10))
    services.transition(case=case, action="accept", by=engineer)

    sign_off = only(case, ClockKind.SIGN_OFF)
    assert (sign_off.met_at, sign_off.breached_at) == (local(2026, 6, 8, 10, 10), None)


@pytest.mark.parametrize(("minute", "breached"), [(0, False), (1, True)])
def test_depart_clock_starts_when_an_hq_engineer_is_requested(minute, breached, a_case, engineer):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    services.record_act(case=case, by=engineer, act=Act.DEPART_REQUESTED)

    depart = only(case, ClockKind.DEPART)
    assert (depart.started_at, depart.due_at, depart.calendar.code) == (
        local(2026, 6, 8, 10, 5),
        local(2026, 6, 8, 13, 5),
        "7x24",
    )
    traveller.move_to(local(2026, 6, 8, 13, 5 + minute))
    services.record_act(case=case, by=engineer, act=Act.DEPARTED)
    depart.refresh_from_db()
    assert depart.met_at == local(2026, 6, 8, 13, 5 + minute)
    assert depart.breached_at == (local(2026, 6, 8, 13, 5) if breached else None)


def test_a_staff_reply_to_the_customer_meets_the_reply_clock(travel, staff, contract_for, fault, engineer, contact_a):
    contract_for(Coverage.H7X24)
    traveller = travel(MONDAY_10)
    case = fault(Severity.C)  # reply within 6 h on 5×24: 16:00

    traveller.move_to(local(2026, 6, 8, 11, 0))
    services.add_comment(case=case, by=contact_a, text="请问进展如何？", public=True)
    services.add_comment(case=case, by=engineer, text="内部：怀疑中继板故障", public=False)
    assert ClockKind.REPLY in running(case), "neither the customer's message nor an internal note is a reply"

    traveller.move_to(local(2026, 6, 8, 15, 59))
    services.add_comment(case=case, by=engineer, text="已定位为中继板故障，备件明早到。", public=True)

    reply = only(case, ClockKind.REPLY)
    assert (reply.due_at, reply.met_at, reply.breached_at) == (
        local(2026, 6, 8, 16, 0),
        local(2026, 6, 8, 15, 59),
        None,
    )


def test_a_late_reply_records_a_breach(travel, staff, fault, engineer):
    # No contract: a D fault runs on 5×8 and must be answered within 24 office hours.
    traveller = travel(MONDAY_10)
    case = fault(Severity.D)
    assert only(case, ClockKind.REPLY).due_at == local(2026, 6, 11, 11, 30)

    traveller.move_to(local(2026, 6, 11, 13, 45))
    services.add_comment(case=case, by=engineer, text="界面显示问题已记录，将在下个版本修复。", public=True)

    reply = only(case, ClockKind.REPLY)
    assert (reply.met_at, reply.breached_at) == (local(2026, 6, 11, 13, 45), local(2026, 6, 11, 11, 30))


# --- the progress clock restarts with each note ----------------------------------------


def test_each_progress_note_restarts_the_progress_clock(a_case, engineer):
    case, traveller = a_case
    unresolved = {e.rule.minutes: e.fire_at for e in case.escalations.filter(rule__trigger="unresolved")}

    traveller.move_to(local(2026, 6, 8, 10, 20))
    services.add_comment(case=case, by=engineer, text="正在远程排查", public=False)
    assert running(case)[ClockKind.PROGRESS].due_at == local(2026, 6, 8, 10, 50)

    traveller.move_to(local(2026, 6, 8, 10, 50))  # exactly on time
    services.add_comment(case=case, by=engineer, text="已定位到电源模块", public=True)
    assert running(case)[ClockKind.PROGRESS].due_at == local(2026, 6, 8, 11, 20)

    traveller.move_to(local(2026, 6, 8, 11, 30))  # ten minutes late
    services.add_comment(case=case, by=engineer, text="备件在途", public=False)

    intervals = [
        (clock.started_at, clock.due_at, clock.met_at, clock.breached_at)
        for clock in case.clocks.filter(kind=ClockKind.PROGRESS).order_by("started_at")
    ]
    assert intervals == [
        (MONDAY_10, local(2026, 6, 8, 10, 30), local(2026, 6, 8, 10, 20), None),
        (local(2026, 6, 8, 10, 20), local(2026, 6, 8, 10, 50), local(2026, 6, 8, 10, 50), None),
        (local(2026, 6, 8, 10, 50), local(2026, 6, 8, 11, 20), local(2026, 6, 8, 11, 30), local(2026, 6, 8, 11, 20)),
        (local(2026, 6, 8, 11, 30), local(2026, 6, 8, 12, 0), None, None),
    ]
    # A progress note does not move the "unresolved since opening" escalations.
    assert {e.rule.minutes: e.fire_at for e in case.escalations.filter(rule__trigger="unresolved")} == unresolved
    assert unresolved == {120: local(2026, 6, 8, 12, 0), 180: local(2026, 6, 8, 13, 0)}


def test_a_c_case_restarts_progress_on_working_days_and_a_d_case_has_none(travel, staff, fault, engineer):
    # No contract: C and D both run on 5×8 office hours.
    traveller = travel(local(2026, 6, 5, 16, 0))  # Friday
    c_case = fault(Severity.C)
    d_case = fault(Severity.D)
    assert only(c_case, ClockKind.PROGRESS).due_at == local(2026, 6, 8, 11, 0)  # 90 min Fri + 150 min Mon

    traveller.move_to(local(2026, 6, 5, 17, 0))
    services.add_comment(case=c_case, by=engineer, text="已联系厂商", public=False)
    services.add_comment(case=d_case, by=engineer, text="已记录", public=False)

    assert running(c_case)[ClockKind.PROGRESS].due_at == local(2026, 6, 8, 12, 0)  # 30 min Fri + 210 min Mon
    assert not d_case.clocks.filter(kind=ClockKind.PROGRESS).exists()


def test_a_note_on_a_resolved_case_starts_no_progress_clock(a_case, engineer):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    traveller.move_to(local(2026, 6, 8, 11, 0))
    services.transition(case=case, action="resolve", by=engineer, text="已恢复")

    traveller.move_to(local(2026, 6, 8, 11, 10))
    services.add_comment(case=case, by=engineer, text="等待客户确认", public=False)

    assert set(running(case)) == {ClockKind.FAULT_REPORT}


# --- the fault report clock --------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "report_due"),
    [
        # Resolved Friday 15:00: two working days (5×24) end on Tuesday 15:00.
        (Severity.A, local(2026, 6, 9, 15, 0)),
        (Severity.B, local(2026, 6, 9, 15, 0)),
        (Severity.C, None),
        (Severity.D, None),
    ],
)
@pytest.mark.parametrize("coverage", [Coverage.H7X24, None], ids=["7x24-contract", "no-contract"])
def test_fault_report_clock_starts_at_resolution_for_a_and_b_only(
    severity, report_due, coverage, travel, staff, contract_for, fault, engineer
):
    if coverage:
        contract_for(coverage)
    traveller = travel(local(2026, 6, 5, 9, 0))
    case = fault(severity)
    services.transition(case=case, action="accept", by=engineer)

    traveller.move_to(local(2026, 6, 5, 15, 0))
    services.transition(case=case, action="resolve", by=engineer, text="已修复")

    reports = list(case.clocks.filter(kind=ClockKind.FAULT_REPORT))
    if report_due is None:
        assert reports == []
    else:
        assert [(r.started_at, r.due_at, r.calendar.code) for r in reports] == [
            (local(2026, 6, 5, 15, 0), report_due, "5x24")
        ]
    assert set(running(case)) == ({ClockKind.FAULT_REPORT} if report_due else set())


def test_fault_report_due_skips_a_public_holiday(travel, staff, contract_for, fault, engineer):
    contract_for(Coverage.H7X24)
    traveller = travel(local(2026, 9, 30, 9, 0))
    case = fault(Severity.B)
    services.transition(case=case, action="accept", by=engineer)
    traveller.move_to(local(2026, 9, 30, 15, 0))
    services.transition(case=case, action="resolve", by=engineer, text="已修复")

    # 9 h on 30 September, National Day 1–7 October closed, 24 h on the 8th, 15 h on the 9th.
    assert only(case, ClockKind.FAULT_REPORT).due_at == local(2026, 10, 9, 15, 0)


# --- the case's nearest deadline ------------------------------------------------------------


def test_next_due_follows_the_nearest_running_clock(a_case, engineer, duty_manager):
    case, traveller = a_case

    def next_due():
        case.refresh_from_db()
        return case.next_due_at

    assert next_due() == local(2026, 6, 8, 10, 10)  # sign-off
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    assert next_due() == local(2026, 6, 8, 10, 15)  # first contact
    services.record_act(case=case, by=engineer, act=Act.CONTACTED)
    assert next_due() == local(2026, 6, 8, 10, 30)  # on site and progress
    services.record_act(case=case, by=engineer, act=Act.ON_SITE)
    traveller.move_to(local(2026, 6, 8, 10, 20))
    services.add_comment(case=case, by=engineer, text="现场排查中", public=False)
    assert next_due() == local(2026, 6, 8, 10, 50)  # the restarted progress clock

    traveller.move_to(local(2026, 6, 8, 10, 40))
    suspend(case, engineer=engineer, duty_manager=duty_manager)
    assert next_due() is None, "nothing counts while suspended"

    traveller.move_to(local(2026, 6, 8, 11, 40))
    services.transition(case=case, action="unsuspend", by=engineer)
    assert next_due() == local(2026, 6, 8, 11, 50)  # progress had 10 minutes left
    traveller.move_to(local(2026, 6, 8, 11, 45))
    services.transition(case=case, action="resolve", by=engineer, text="已恢复")
    assert next_due() == local(2026, 6, 10, 11, 45)  # the fault report
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
