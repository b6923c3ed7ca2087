"""The approvals mechanism on a throwaway kind: who may ask, who may decide, what a decision
runs and that a request is decided once — the guarantees every kind (suspension, portal
registration, and the kinds to come) relies on."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.approvals import registry
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.customers.models import Customer
from aftersales.notifications.models import Notification
from aftersales.sla.notices import SUSPENSION_REQUEST
from aftersales.timeline.models import Entry
from tests.concurrency import run_together

KIND = "test.rename"
APPROVED_NAME = "已批准的名称"
REJECTED_NAME = "已驳回的名称"


class EffectFailed(DomainError):
    """The approval's effect refuses (as the engine refuses a move the case no longer allows)."""


def _rename(name: str):
    def effect(request: Request, by) -> None:
        Customer.objects.filter(pk=request.subject_id).update(name=name)

    return effect


def _failing(request: Request, by) -> None:
    Customer.objects.filter(pk=request.subject_id).update(name="不应保存")
    raise EffectFailed("the subject cannot take this any more")


def _policy(**overrides) -> registry.Policy:
    fields = {
        "kind": KIND,
        "label": "rename",
        "requesters": frozenset({Role.ENGINEER}),
        "deciders": frozenset({Role.DEPT_MANAGER}),
        "on_approve": _rename(APPROVED_NAME),
        "on_reject": _rename(REJECTED_NAME),
    }
    fields.update(overrides)
    return registry.Policy(**fields)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def policy():
    yield registry.register(_policy())
    registry.unregister(KIND)


@pytest.fixture
def pending(policy, customer_a, engineer) -> Request:
    return approvals.request_approval(kind=KIND, subject=customer_a, by=engineer, evidence={"name": "新名称"})


def _entries(subject, kind):
    return list(Entry.objects.for_subject(subject).filter(kind=kind))


# --- who may ask ------------------------------------------------------------------------------


def test_an_allowed_requester_opens_a_pending_request_recorded_on_the_subject(policy, customer_a, engineer):
    request = approvals.request_approval(
        kind=KIND, subject=customer_a, by=engineer, evidence={"name": "新名称"}, evidence_text="  改名  "
    )

    request.refresh_from_db()
    assert (request.status, request.requester, request.subject) == (Request.Status.PENDING, engineer, customer_a)
    assert (request.evidence, request.evidence_text) == ({"name": "新名称"}, "改名")
    (entry,) = _entries(customer_a, approvals.REQUESTED)
    assert entry.actor == engineer and entry.data["request"] == request.pk


@pytest.mark.parametrize("role", [Role.HOTLINE, Role.SALES, Role.DEPT_MANAGER, None], ids=str)
def test_a_refused_requester_opens_nothing(policy, customer_a, make_user, role):
    user = make_user(role) if role else make_user()

    with pytest.raises(NotAllowed):
        approvals.request_approval(kind=KIND, subject=customer_a, by=user)

    assert not Request.objects.exists()
    assert not _entries(customer_a, approvals.REQUESTED)


def test_a_requester_function_decides_who_may_ask(customer_a, customer_b, engineer):
    registry.register(_policy(requesters=lambda user, subject: subject.pk == customer_a.pk))
    try:
        assert approvals.request_approval(kind=KIND, subject=customer_a, by=engineer).pk
        with pytest.raises(NotAllowed):
            approvals.request_approval(kind=KIND, subject=customer_b, by=engineer)
    finally:
        registry.unregister(KIND)


def test_a_second_pending_request_about_the_same_subject_is_a_conflict(pending, customer_a, engineer):
    with pytest.raises(Conflict):
        approvals.request_approval(kind=KIND, subject=customer_a, by=engineer)
    assert Request.objects.count() == 1


def test_a_request_of_an_unknown_kind_is_refused(customer_a, engineer):
    with pytest.raises(registry.UnknownKind):
        approvals.request_approval(kind="test.nobody", subject=customer_a, by=engineer)


# --- who may decide ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.HOTLINE, Role.SALES, Role.DUTY_MANAGER], ids=str)
def test_a_refused_decider_changes_nothing(pending, customer_a, make_user, role):
    with pytest.raises(NotAllowed):
        approvals.decide(request=pending, by=make_user(role), approve=True)

    pending.refresh_from_db()
    customer_a.refresh_from_db()
    assert (pending.status, pending.decided_by) == (Request.Status.PENDING, None)
    assert customer_a.name != APPROVED_NAME
    assert not _entries(customer_a, approvals.DECIDED)


def test_a_decider_function_decides_who_may_decide(customer_a, engineer, manager, make_user):
    chosen = make_user(Role.HOTLINE)
    registry.register(_policy(deciders=lambda user, request: user.pk == chosen.pk))
    try:
        request = approvals.request_approval(kind=KIND, subject=customer_a, by=engineer)
        with pytest.raises(NotAllowed):
            approvals.decide(request=request, by=manager, approve=True)
        assert approvals.decide(request=request, by=chosen, approve=True).status == Request.Status.APPROVED
    finally:
        registry.unregister(KIND)


# --- what a decision does ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approve", "status", "name"),
    [(True, Request.Status.APPROVED, APPROVED_NAME), (False, Request.Status.REJECTED, REJECTED_NAME)],
    ids=["approve", "reject"],
)
def test_a_decision_runs_its_effect_and_is_recorded(pending, customer_a, manager, approve, status, name):
    decided = approvals.decide(request=pending, by=manager, approve=approve, note="  看过了  ")

    decided.refresh_from_db()
    customer_a.refresh_from_db()
    assert (decided.status, decided.decided_by, decided.decision_note) == (status, manager, "看过了")
    assert decided.decided_at is not None
    assert customer_a.name == name
    (entry,) = _entries(customer_a, approvals.DECIDED)
    assert entry.actor == manager
    assert entry.data["changes"] == {"status": ["pending", status]}


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_an_effect_that_raises_rolls_the_decision_back(customer_a, engineer, manager, approve):
    registry.register(_policy(on_approve=_failing, on_reject=_failing))
    try:
        request = approvals.request_approval(kind=KIND, subject=customer_a, by=engineer)
        name = Customer.objects.get(pk=customer_a.pk).name

        with pytest.raises(EffectFailed):
            approvals.decide(request=request, by=manager, approve=approve)

        request.refresh_from_db()
        assert (request.status, request.decided_by, request.decided_at) == (Request.Status.PENDING, None, None)
        assert Customer.objects.get(pk=customer_a.pk).name == name
        assert not _entries(customer_a, approvals.DECIDED)
    finally:
        registry.unregister(KIND)


@pytest.mark.parametrize(
    ("first", "second"), [(True, True), (True, False), (False, True), (False, False)], ids=["aa", "ar", "ra", "rr"]
)
def test_a_second_decision_is_a_conflict_and_changes_nothing(pending, customer_a, manager, make_user, first, second):
    approvals.decide(request=pending, by=manager, approve=first)
    name = Customer.objects.get(pk=customer_a.pk).name

    with pytest.raises(Conflict, match="already decided"):
        approvals.decide(request=pending, by=make_user(Role.DEPT_MANAGER), approve=second)

    pending.refresh_from_db()
    assert pending.decided_by == manager
    assert Customer.objects.get(pk=customer_a.pk).name == name
    assert len(_entries(customer_a, approvals.DECIDED)) == 1


def test_a_withdrawn_request_cannot_be_decided(pending, customer_a, engineer, manager):
    approvals.withdraw(request=pending, by=engineer)

    with pytest.raises(Conflict):
        approvals.decide(request=pending, by=manager, approve=True)
    assert Customer.objects.get(pk=customer_a.pk).name != APPROVED_NAME


def test_only_the_requester_may_withdraw(pending, make_user):
    with pytest.raises(NotAllowed):
        approvals.withdraw(request=pending, by=make_user(Role.ENGINEER, username="another-engineer"))


def test_the_policys_notices_are_queued_with_the_request(customer_a, engineer, manager):
    notice = registry.Notice(
        kind=SUSPENSION_REQUEST, recipients=lambda request: [manager], subject=lambda request: "请审批"
    )
    registry.register(_policy(on_requested=notice))
    try:
        approvals.request_approval(kind=KIND, subject=customer_a, by=engineer)
    finally:
        registry.unregister(KIND)

    (row,) = Notification.objects.filter(kind=SUSPENSION_REQUEST)
    assert (row.recipient, row.subject) == (manager, "请审批")


# --- two deciders at once ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("approvals_first", [(True, False), (True, True)], ids=["approve-reject", "approve-approve"])
def test_of_two_deciders_at_once_one_decides(customer_a, engineer, make_user, approvals_first):
    def slow(request: Request, by) -> None:
        time.sleep(0.3)  # both deciders are past their reads before either commits

    registry.register(_policy(on_approve=slow, on_reject=slow))
    try:
        request = approvals.request_approval(kind=KIND, subject=customer_a, by=engineer)
        deciders = [make_user(Role.DEPT_MANAGER, username=f"decider{n}") for n in range(2)]

        results = run_together(
            [
                lambda by=by, approve=approve: approvals.decide(request=request, by=by, approve=approve)
                for by, approve in zip(deciders, approvals_first, strict=True)
            ]
        )
    finally:
        registry.unregister(KIND)

    decided = [result for result in results if isinstance(result, Request)]
    conflicts = [result for result in results if isinstance(result, Conflict)]
    assert (len(decided), len(conflicts)) == (1, 1), results
    request.refresh_from_db()
    assert request.decided_by == decided[0].decided_by
    assert len(_entries(customer_a, approvals.DECIDED)) == 1
