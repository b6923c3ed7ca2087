"""Approving a suspension moves the case through the transition engine: the row is locked and
the move, the approver's role and the request are checked like any other move, and the move's
hooks (timeline entry, paused clocks) run in the decision's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from aftersales.accounts.roles import Role
from aftersales.cases import services, workflow
from aftersales.cases.models import Case, CaseEvent, EventKind, Status
from aftersales.core.errors import NotAllowed
from aftersales.sla.models import SuspensionRequest

REASON = "客户机房停电检修，需暂停处理"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def duty(make_user):
    return make_user(Role.DUTY_MANAGER, username="duty")


@pytest.fixture
def accepted(case_a, engineer):
    return services.transition(case=case_a, action="accept", by=engineer)


def _ask(case, by) -> SuspensionRequest:
    now = timezone.now()
    return services.request_suspension(
        case=case,
        by=by,
        reason=REASON,
        consent_by="信息科王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=now,
        expected_end_at=now + dt.timedelta(days=3),
    )


def _status_events(case):
    return CaseEvent.objects.filter(case=case, kind=EventKind.STATUS)


def test_approving_suspends_the_case_by_the_engines_move_and_its_hooks(accepted, engineer, duty):
    request = _ask(accepted, engineer)

    services.decide_suspension(request=request, by=duty, approve=True)

    case = Case.objects.get(pk=accepted.pk)
    assert case.status == Status.SUSPENDED
    event = _status_events(case).latest("pk")
    assert (event.from_status, event.to_status, event.actor, event.text) == (
        Status.ACCEPTED,
        Status.SUSPENDED,
        duty,
        REASON,
    )
    running = case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True)
    assert running.exists() and not running.filter(paused_at__isnull=True).exists(), "every running clock paused"
    request.refresh_from_db()
    assert request.status == SuspensionRequest.Status.APPROVED


@pytest.mark.parametrize("moved_to", [Status.RESOLVED, Status.CLOSED, Status.CANCELLED, Status.MERGED])
def test_approving_a_request_whose_case_moved_meanwhile_is_refused_and_decides_nothing(
    moved_to, accepted, engineer, duty
):
    request = _ask(accepted, engineer)
    Case.objects.filter(pk=accepted.pk).update(status=moved_to)  # someone else's move, committed

    with pytest.raises(NotAllowed, match="is not possible while the case is"):
        services.decide_suspension(request=request, by=duty, approve=True)

    request.refresh_from_db()
    assert request.status == SuspensionRequest.Status.PENDING, "the decision was rolled back with the move"
    assert Case.objects.get(pk=accepted.pk).status == moved_to
    assert not accepted.clocks.filter(paused_at__isnull=False).exists()


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.HOTLINE, Role.PARTS_CLERK, Role.EXECUTIVE])
def test_whoever_applies_an_approval_the_engine_checks_their_role(role, accepted, engineer, make_user):
    request = _ask(accepted, engineer)

    with pytest.raises(NotAllowed, match="Your role may not"):
        workflow.suspend_on_approval(request=request, by=make_user(role, username="approver"))

    assert Case.objects.get(pk=accepted.pk).status == Status.ACCEPTED
    assert _status_events(accepted).count() == 1, "only the acceptance"


@pytest.mark.parametrize("which", ["none", "another-case"])
def test_the_suspend_move_needs_a_request_for_the_same_case(which, accepted, engineer, duty, customer_a, open_case):
    other = open_case(customer_a, title="另一台设备故障")
    services.transition(case=other, action="accept", by=engineer)
    suspension = None if which == "none" else _ask(other, engineer)

    with pytest.raises(NotAllowed, match="only by approving a suspension request"):
        services.transition(case=accepted, action="suspend", by=duty, text=REASON, suspension=suspension)

    assert Case.objects.get(pk=accepted.pk).status == Status.ACCEPTED
