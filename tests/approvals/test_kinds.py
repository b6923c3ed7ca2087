"""Suspension and portal registration are decided through the approvals mechanism: each has an
approval request mirrored by its own row, and rows written before the mechanism (or by hand)
are taken over when decided, decided once like any other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from aftersales.accounts.roles import Role
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request
from aftersales.cases import services as cases
from aftersales.cases.models import Status
from aftersales.core.errors import Conflict
from aftersales.portal import services as portal
from aftersales.portal.models import Registration
from aftersales.sla.models import SuspensionRequest
from aftersales.timeline.models import Entry


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def duty(make_user):
    return make_user(Role.DUTY_MANAGER, username="duty")


@pytest.fixture
def accepted(case_a, engineer):
    return cases.transition(case=case_a, action="accept", by=engineer)


def _ask(case, by) -> SuspensionRequest:
    now = timezone.now()
    return cases.request_suspension(
        case=case,
        by=by,
        reason="客户机房停电检修",
        consent_by="信息科王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=now,
        expected_end_at=now + dt.timedelta(days=3),
    )


def _by_hand(case, engineer) -> SuspensionRequest:
    now = timezone.now()
    return SuspensionRequest.objects.create(
        case=case,
        requested_by=engineer,
        requested_at=now,
        reason="旧的申请",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=now,
    )


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "rejected"])
@pytest.mark.parametrize("made", [_ask, _by_hand], ids=["asked", "by-hand"])
def test_a_suspension_is_decided_by_its_approval_request(accepted, engineer, duty, approve, made):
    request = made(accepted, engineer)

    decided = cases.decide_suspension(request=request, by=duty, approve=approve, note="同意")

    (approval,) = approvals.requests_for(request, kind=cases.SUSPENSION_APPROVAL)
    assert approval.status == decided.status == (Request.Status.APPROVED if approve else Request.Status.REJECTED)
    assert (approval.decided_by, approval.decided_at, approval.decision_note) == (
        decided.decided_by,
        decided.decided_at,
        decided.decision_note,
    )
    accepted.refresh_from_db()
    assert accepted.status == (Status.SUSPENDED if approve else Status.ACCEPTED)
    assert Entry.objects.for_subject(request).filter(kind=approvals.DECIDED).count() == 1
    with pytest.raises(Conflict):
        cases.decide_suspension(request=request, by=duty, approve=not approve)


def test_asking_to_suspend_opens_a_pending_approval_with_the_consent_as_evidence(accepted, engineer):
    request = _ask(accepted, engineer)

    (approval,) = approvals.requests_for(request)
    assert (approval.kind, approval.status, approval.requester) == (
        cases.SUSPENSION_APPROVAL,
        Request.Status.PENDING,
        engineer,
    )
    assert approval.evidence["consent_by"] == "信息科王主任" and approval.evidence_text == "客户机房停电检修"


@pytest.fixture
def hospital(customer_a):
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()
    return customer_a


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "rejected"])
@pytest.mark.parametrize("by_hand", [False, True], ids=["registered", "by-hand"])
def test_a_registration_is_decided_by_its_approval_request(hospital, manager, approve, by_hand):
    if by_hand:
        registration = Registration.objects.create(customer=hospital, name="李护士长", email="li@hospital-a.cn")
    else:
        registration = portal.register(name="李护士长", email="li@hospital-a.cn")

    decided = portal.decide_registration(registration=registration, by=manager, approve=approve)

    (approval,) = approvals.requests_for(registration, kind=portal.REGISTRATION_APPROVAL)
    assert approval.status == decided.status
    assert (approval.decided_by, approval.decided_at) == (decided.decided_by, decided.decided_at)
    assert (decided.contact is not None) == approve
    with pytest.raises(Conflict, match="registration was already decided"):
        portal.decide_registration(registration=registration, by=manager, approve=True)
