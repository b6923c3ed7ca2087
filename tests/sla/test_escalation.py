"""Escalation rules (seeded data) fire once per case and rule — per clock for clock rules —
however often the sweep runs; each firing is a timeline entry and a set of notifications."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.cases import services
from aftersales.cases.models import EventKind, Severity
from aftersales.contracts.models import Coverage
from aftersales.dispatch.models import Tier
from aftersales.notifications.models import Notification
from aftersales.sla.models import ClockKind, Escalation, EscalationRule
from aftersales.sla.services import sweep
from tests.sla.conftest import local, only, suspend

pytestmark = pytest.mark.django_db

OPENED = local(2026, 6, 8, 10, 0)  # Monday


def rule(trigger: str, clock: str = "", minutes: int | None = None) -> EscalationRule:
    rules = EscalationRule.objects.filter(trigger=trigger, clock=clock)
    return rules.get(minutes=minutes) if minutes is not None else rules.get()


AT_OPENING = ("opening", "", None)
SIGN_OFF_LATE = ("breached", ClockKind.SIGN_OFF, None)
PROGRESS_LATE = ("breached", ClockKind.PROGRESS, None)
RESTORE_SOON = ("before_due", ClockKind.RESTORE, None)
UNRESOLVED_120 = ("unresolved", "", 120)
UNRESOLVED_180 = ("unresolved", "", 180)


def fired(case) -> list[tuple[str, dt.datetime]]:
    """(rule name, fired at) of the case's escalations that fired, in order."""
    return [
        (e.rule.name, e.fired_at)
        for e in case.escalations.filter(fired_at__isnull=False).select_related("rule").order_by("fired_at", "pk")
    ]


def notified(case, which: tuple) -> set[str]:
    """Usernames notified by the case's firing(s) of a rule."""
    name = rule(*which).name
    return set(
        Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATION, payload__rule=name).values_list(
            "recipient__username", flat=True
        )
    )


def entries(case, which: tuple) -> list:
    name = rule(*which).name
    return list(case.events.filter(kind=EventKind.ESCALATED, text__startswith=name))


@pytest.fixture
def a_case(travel, staff, contract_for, fault):
    """A severity A fault on a 7×24 contract, opened Monday 10:00; returns (case, traveller)."""
    contract_for(Coverage.H7X24)
    traveller = travel(OPENED)
    return fault(Severity.A), traveller


def test_severity_a_at_opening_notifies_executives_at_once_and_only_once(a_case, executive):
    case, traveller = a_case

    assert fired(case) == [(rule(*AT_OPENING).name, OPENED)]
    assert notified(case, AT_OPENING) == {executive.username}
    notification = Notification.objects.get(case=case, kind=Notification.Kind.ESCALATION)
    assert notification.payload["channels"] == ["email", "sms", "im"]
    assert case.number in notification.subject
    [entry] = entries(case, AT_OPENING)
    assert (entry.at, entry.changes) == (OPENED, {})
    assert "Severity A case opened." in entry.text and executive.username in entry.text

    traveller.move_to(local(2026, 6, 8, 10, 1))
    assert sweep()["escalations"] == 0
    assert sweep()["escalations"] == 0
    assert len(fired(case)) == 1
    assert len(entries(case, AT_OPENING)) == 1


@pytest.mark.parametrize("severity", [Severity.B, Severity.C, Severity.D])
def test_no_opening_escalation_below_a(severity, travel, staff, contract_for, fault):
    contract_for(Coverage.H7X24)
    travel(OPENED)
    case = fault(severity)
    assert fired(case) == []
    assert not Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATION).exists()


def test_not_signed_within_ten_minutes_goes_to_the_duty_manager_once(a_case, duty_manager):
    case, traveller = a_case

    traveller.move_to(local(2026, 6, 8, 10, 9))
    assert sweep() == {"breaches": 0, "escalations": 0}
    traveller.move_to(local(2026, 6, 8, 10, 10))
    assert sweep() == {"breaches": 1, "escalations": 1}
    assert sweep() == {"breaches": 0, "escalations": 0}, "sweeping twice fires once"
    traveller.move_to(local(2026, 6, 8, 10, 12))
    assert sweep() == {"breaches": 0, "escalations": 0}

    assert notified(case, SIGN_OFF_LATE) == {duty_manager.username}
    [entry] = entries(case, SIGN_OFF_LATE)
    assert entry.at == local(2026, 6, 8, 10, 10)
    assert "Sign-off (签收) overdue." in entry.text
    escalation = Escalation.objects.get(case=case, rule=rule(*SIGN_OFF_LATE))
    assert escalation.clock == only(case, ClockKind.SIGN_OFF)
    assert case.events.filter(kind=EventKind.BREACHED).count() == 1


def test_signed_in_time_nobody_is_told(a_case, engineer):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 8))
    services.transition(case=case, action="accept", by=engineer)

    traveller.move_to(local(2026, 6, 8, 10, 20))
    sweep()

    escalation = Escalation.objects.get(case=case, rule=rule(*SIGN_OFF_LATE))
    assert (escalation.fired_at, escalation.cancelled_at) == (None, local(2026, 6, 8, 10, 8))
    assert notified(case, SIGN_OFF_LATE) == set()


def test_unresolved_at_120_and_180_minutes_escalates_and_raises_the_tier_once(
    a_case, engineer, centre_manager, executive
):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)  # the engineer owns the case
    services.record_act(case=case, by=engineer, act="contacted")
    services.record_act(case=case, by=engineer, act="on_site")
    assert case.tier == Tier.L1

    traveller.move_to(local(2026, 6, 8, 11, 59))
    sweep()
    assert entries(case, UNRESOLVED_120) == []

    traveller.move_to(local(2026, 6, 8, 12, 0))
    sweep()
    sweep()
    case.refresh_from_db()
    assert case.tier == Tier.L2
    assert notified(case, UNRESOLVED_120) == {centre_manager.username, engineer.username}
    [entry] = entries(case, UNRESOLVED_120)
    assert "Unresolved 120 minutes after opening." in entry.text
    # The raise is recorded like a person's: by the system, when, why (the rule).
    [change] = case.tier_changes.values_list("from_tier", "to_tier", "by", "at", "reason")
    assert change[:4] == (Tier.L1, Tier.L2, None, local(2026, 6, 8, 12, 0))
    assert change[4].startswith(rule(*UNRESOLVED_120).name) and "Unresolved 120 minutes" in change[4]
    [tier_entry] = case.events.filter(kind=EventKind.TIER)
    assert tier_entry.changes == {"tier": [str(Tier.L1.label), str(Tier.L2.label)]}
    assert tier_entry.actor_id is None and tier_entry.text == change[4]

    traveller.move_to(local(2026, 6, 8, 13, 0))
    sweep()
    sweep()
    case.refresh_from_db()
    assert case.tier == Tier.L2, "only the 120-minute rule raises the tier"
    assert notified(case, UNRESOLVED_180) == {executive.username}
    assert len(entries(case, UNRESOLVED_120)) == len(entries(case, UNRESOLVED_180)) == 1


def test_restore_reminder_goes_to_the_owner_thirty_minutes_before(a_case, engineer):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)

    traveller.move_to(local(2026, 6, 8, 11, 29))
    sweep()
    assert entries(case, RESTORE_SOON) == []
    traveller.move_to(local(2026, 6, 8, 11, 30))
    sweep()
    sweep()
    assert notified(case, RESTORE_SOON) == {engineer.username}
    [entry] = entries(case, RESTORE_SOON)
    assert "Service restored due in 30 minutes." in entry.text


def test_progress_overdue_notifies_owner_and_duty_manager_once_per_interval(a_case, engineer, duty_manager):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)

    traveller.move_to(local(2026, 6, 8, 10, 30))  # the first interval ends unreported
    sweep()
    sweep()
    assert notified(case, PROGRESS_LATE) == {engineer.username, duty_manager.username}
    assert len(entries(case, PROGRESS_LATE)) == 1

    traveller.move_to(local(2026, 6, 8, 10, 40))
    services.add_comment(case=case, by=engineer, text="已更换板卡，观察中", public=False)
    traveller.move_to(local(2026, 6, 8, 11, 9))
    sweep()
    assert len(entries(case, PROGRESS_LATE)) == 1
    traveller.move_to(local(2026, 6, 8, 11, 10))  # the second interval (from 10:40) ends unreported too
    sweep()
    sweep()

    firings = Escalation.objects.filter(case=case, rule=rule(*PROGRESS_LATE), fired_at__isnull=False)
    assert [(e.clock.started_at, e.fired_at) for e in firings.order_by("fired_at")] == [
        (OPENED, local(2026, 6, 8, 10, 30)),
        (local(2026, 6, 8, 10, 40), local(2026, 6, 8, 11, 10)),
    ]
    assert len(entries(case, PROGRESS_LATE)) == 2
    assert Notification.objects.filter(case=case, payload__rule=rule(*PROGRESS_LATE).name).count() == 4


def test_an_unattended_a_case_fires_each_rule_exactly_once_however_often_swept(a_case, staff):
    case, traveller = a_case

    moment = OPENED
    while moment <= local(2026, 6, 8, 14, 0):
        traveller.move_to(moment)
        sweep()
        sweep()
        moment += dt.timedelta(minutes=5)

    assert fired(case) == [
        (rule(*AT_OPENING).name, OPENED),
        (rule(*SIGN_OFF_LATE).name, local(2026, 6, 8, 10, 10)),
        (rule(*PROGRESS_LATE).name, local(2026, 6, 8, 10, 30)),
        (rule(*RESTORE_SOON).name, local(2026, 6, 8, 11, 30)),
        (rule(*UNRESOLVED_120).name, local(2026, 6, 8, 12, 0)),
        (rule(*UNRESOLVED_180).name, local(2026, 6, 8, 13, 0)),
    ]
    assert case.events.filter(kind=EventKind.ESCALATED).count() == 6
    # Nobody owns the case, so the owner rules reach the managers only (the reminder: nobody).
    assert notified(case, PROGRESS_LATE) == {staff["duty"].username}
    assert notified(case, RESTORE_SOON) == set()
    assert notified(case, UNRESOLVED_120) == {staff["centre"].username}
    # Six breaches, each recorded once: sign-off, response, first contact, on site, progress, restore.
    assert case.events.filter(kind=EventKind.BREACHED).count() == 6
    assert case.clocks.filter(breached_at__isnull=False).count() == 6
    case.refresh_from_db()
    assert case.tier == Tier.L2


def test_resolved_in_time_cancels_the_unresolved_escalations(a_case, engineer):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    traveller.move_to(local(2026, 6, 8, 11, 0))
    services.transition(case=case, action="resolve", by=engineer, text="重启恢复")

    traveller.move_to(local(2026, 6, 8, 14, 0))
    sweep()

    assert [name for name, _ in fired(case)] == [rule(*AT_OPENING).name]
    case.refresh_from_db()
    assert case.tier == Tier.L1


def test_escalations_wait_while_suspended_and_are_rescheduled_on_resume(a_case, engineer, duty_manager):
    case, traveller = a_case
    traveller.move_to(local(2026, 6, 8, 10, 5))
    services.transition(case=case, action="accept", by=engineer)
    services.record_act(case=case, by=engineer, act="contacted")
    services.record_act(case=case, by=engineer, act="on_site")
    traveller.move_to(local(2026, 6, 8, 10, 20))
    suspend(case, engineer=engineer, duty_manager=duty_manager)

    pending = case.escalations.filter(fired_at__isnull=True)
    assert pending.exists()
    assert not pending.filter(cancelled_at__isnull=True).exists(), "nothing is waiting to fire while suspended"
    for moment in (local(2026, 6, 8, 10, 30), local(2026, 6, 8, 12, 0), local(2026, 6, 8, 14, 0)):
        traveller.move_to(moment)
        assert sweep() == {"breaches": 0, "escalations": 0}

    traveller.move_to(local(2026, 6, 8, 14, 20))  # four hours suspended
    services.transition(case=case, action="unsuspend", by=engineer)

    schedule = {
        e.rule.name: e.fire_at for e in case.escalations.filter(fired_at__isnull=True, cancelled_at__isnull=True)
    }
    assert schedule == {
        rule(*PROGRESS_LATE).name: local(2026, 6, 8, 14, 30),  # 10 of its 30 minutes were left
        rule(*RESTORE_SOON).name: local(2026, 6, 8, 15, 30),  # restore now due 16:00
        rule(*UNRESOLVED_120).name: local(2026, 6, 8, 16, 0),  # 120 unsuspended minutes
        rule(*UNRESOLVED_180).name: local(2026, 6, 8, 17, 0),
    }
    assert only(case, ClockKind.RESTORE).due_at == local(2026, 6, 8, 16, 0)

    traveller.move_to(local(2026, 6, 8, 17, 0))
    sweep()
    sweep()
    assert dict(fired(case)) == {
        rule(*AT_OPENING).name: OPENED,
        rule(*PROGRESS_LATE).name: local(2026, 6, 8, 17, 0),
        rule(*RESTORE_SOON).name: local(2026, 6, 8, 17, 0),
        rule(*UNRESOLVED_120).name: local(2026, 6, 8, 17, 0),
        rule(*UNRESOLVED_180).name: local(2026, 6, 8, 17, 0),
    }
    assert case.events.filter(kind=EventKind.ESCALATED).count() == 5


def test_c_and_d_cases_only_get_their_own_rules(travel, staff, contract_for, fault):
    contract_for(Coverage.H7X24)
    traveller = travel(OPENED)
    c_case = fault(Severity.C)
    d_case = fault(Severity.D)

    traveller.move_to(local(2026, 6, 12, 18, 0))  # Friday evening: every C and D target has passed
    sweep()
    sweep()

    assert sorted(name for name, _ in fired(c_case)) == sorted([rule(*SIGN_OFF_LATE).name, rule(*PROGRESS_LATE).name])
    assert [name for name, _ in fired(d_case)] == [rule(*SIGN_OFF_LATE).name]
    for case in (c_case, d_case):
        case.refresh_from_db()
        assert case.tier == Tier.L1


def test_an_inactive_rule_does_not_fire(travel, staff, contract_for, fault, executive):
    for rule in EscalationRule.objects.filter(trigger="opening"):
        rule.is_active = False
        rule.save()  # as the admin does: the rules kept in the process are forgotten
    contract_for(Coverage.H7X24)
    travel(OPENED)

    case = fault(Severity.A)

    assert fired(case) == []
    assert not Notification.objects.filter(recipient=executive, kind=Notification.Kind.ESCALATION).exists()


def test_a_new_rule_is_data_and_applies_to_cases_opened_afterwards(travel, staff, contract_for, fault, manager):
    EscalationRule.objects.create(
        name="C 级 60 分钟未响应 → 部门经理",
        trigger="breached",
        clock=ClockKind.RESPONSE,
        minutes=0,
        severities="C",
        notify_role="dept_manager",
        channels="email",
    )
    contract_for(Coverage.H7X24)
    traveller = travel(OPENED)
    case = fault(Severity.C)

    traveller.move_to(local(2026, 6, 8, 11, 0))
    sweep()
    sweep()

    assert set(
        Notification.objects.filter(case=case, payload__rule="C 级 60 分钟未响应 → 部门经理").values_list(
            "recipient__username", flat=True
        )
    ) == {manager.username}
