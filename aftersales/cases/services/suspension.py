"""Suspension (挂起): asked with the customer's consent, decided through the approvals mechanism."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.accounts.roles import Role
from aftersales.approvals import registry as approval_registry
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request as ApprovalRequest
from aftersales.cases.errors import CaseError
from aftersales.cases.models import (
    Case,
    EventKind,
    SuspensionRequest,
)
from aftersales.cases.notices import SUSPENSION_REQUEST
from aftersales.cases.services.common import (
    _lock,
    _record,
    _validated,
)
from aftersales.cases.workflow import suspend_on_approval, transition_for
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.notifications.services import users_with_role

# Clocks of the engineer's device and the server differ by a few minutes.
CONSENT_CLOCK_SKEW = dt.timedelta(minutes=5)
# A consent given on the phone just before the agent finished typing the case is still valid.
CONSENT_BEFORE_OPENING = dt.timedelta(hours=1)


@transaction.atomic
def request_suspension(
    *,
    case: Case,
    by,
    reason: str,
    consent_by: str,
    consent_channel: str,
    consent_at: dt.datetime,
    expected_end_at: dt.datetime,
) -> SuspensionRequest:
    """An engineer asks to suspend (挂起) with the customer's consent and the date and time they
    expect to resume (in the future, within a year); duty managers are told. Once that time
    passes with the case still suspended, the sweep reminds the owner once."""
    suspend = transition_for("suspend")
    assert suspend is not None  # the table has it (tests/cases/test_workflow.py)
    policy.require(by, "cases.suspend.request", case)
    locked = _lock(case)
    if locked.status not in suspend.sources:
        raise NotAllowed(
            _("A case that is “%(status)s” cannot be suspended.") % {"status": locked.get_status_display()}
        )
    if locked.suspension_requests.filter(status=SuspensionRequest.Status.PENDING).exists():
        raise Conflict(_("A suspension request for this case is already awaiting approval."))
    if consent_at < locked.opened_at - CONSENT_BEFORE_OPENING:
        raise CaseError(
            _("The customer's consent cannot be older than the case."),
            fields={"consent_at": [_("Give the time the customer agreed, after the case was opened.")]},
        )
    now = timezone.now()
    if consent_at > now + CONSENT_CLOCK_SKEW:
        message = _("The customer's consent cannot lie in the future.")
        raise CaseError(message, fields={"consent_at": [message]})
    _check_expected_end(expected_end_at, now)
    request = SuspensionRequest(
        case=locked,
        requested_by=by,
        requested_at=now,
        reason=(reason or "").strip(),
        consent_by=(consent_by or "").strip(),
        consent_channel=consent_channel,
        consent_at=consent_at,
        expected_end_at=expected_end_at,
    )
    _validated(request)
    request.save()
    # The engineer's words under `text`, the rest machine-readable: worded when read (cases.events).
    _record(
        locked,
        by,
        EventKind.SUSPENSION,
        suspension="requested",
        text=request.reason,
        consent_by=request.consent_by,
        consent_channel=request.consent_channel,
        consent_at=consent_at.isoformat(),
        expected_end_at=expected_end_at.isoformat(),
    )
    # The decision flow (who decides, one decision, the notice to duty managers) is the
    # approvals mechanism's, under the policy below.
    approvals.request_approval(
        kind=SUSPENSION_APPROVAL,
        subject=request,
        by=by,
        evidence={
            "case": locked.pk,
            "consent_by": request.consent_by,
            "consent_channel": request.consent_channel,
            "consent_at": consent_at,
            "expected_end_at": expected_end_at,
        },
        evidence_text=request.reason,
    )
    return request


# A suspension is expected to end within this long; a later date is a typing error.
MAX_SUSPENSION = dt.timedelta(days=366)


def _check_expected_end(expected_end_at: dt.datetime | None, now: dt.datetime) -> None:
    if expected_end_at is None:
        raise CaseError(
            _("Say when the suspension is expected to end."),
            fields={"expected_end_at": [_("Give the date and time you expect to resume.")]},
        )
    if expected_end_at <= now:
        raise CaseError(
            _("The expected end of a suspension must lie in the future."),
            fields={"expected_end_at": [_("Give a date and time after now.")]},
        )
    if expected_end_at > now + MAX_SUSPENSION:
        raise CaseError(
            _("A suspension cannot be expected to last more than a year."),
            fields={"expected_end_at": [_("Give a date and time within a year.")]},
        )


@transaction.atomic
def decide_suspension(*, request: SuspensionRequest, by, approve: bool, note: str = "") -> SuspensionRequest:
    """A duty manager (or above) approves — the case is suspended and its clocks pause — or
    rejects the request, with a note. Deciding twice is a conflict. The decision is the approvals
    mechanism's (`approvals.services.decide`: decider checked, request locked, decided once);
    approving runs the case's "suspend" move in the same transaction, so a case that cannot be
    suspended any more leaves the request pending."""
    policy = approval_registry.get(SUSPENSION_APPROVAL)
    if not policy.may_decide(by, None):
        raise NotAllowed(policy.refused_decision)
    locked = SuspensionRequest.objects.select_for_update().get(pk=request.pk)
    approval = approvals.adopt(
        kind=SUSPENSION_APPROVAL,
        subject=locked,
        requester=locked.requested_by,
        requested_at=locked.requested_at,
        status=locked.status,
        decided_by=locked.decided_by,
        decided_at=locked.decided_at,
        decision_note=locked.decision_note,
    )
    approvals.decide(request=approval, by=by, approve=approve, note=note)
    locked.refresh_from_db()
    return locked


SUSPENSION_APPROVAL = "case.suspension"


def _decided_suspension(approval: ApprovalRequest) -> SuspensionRequest:
    """The suspension request behind `approval`, its decision copied from it (locked row)."""
    row = SuspensionRequest.objects.select_for_update().select_related("case").get(pk=approval.subject_id)
    row.status = approval.status
    row.decided_by, row.decided_at, row.decision_note = approval.decided_by, approval.decided_at, approval.decision_note
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return row


def _approve_suspension(approval: ApprovalRequest, by) -> None:
    suspend_on_approval(request=_decided_suspension(approval), by=by)


def _reject_suspension(approval: ApprovalRequest, by) -> None:
    row = _decided_suspension(approval)
    _record(row.case, by, EventKind.SUSPENSION, suspension="rejected", text=row.decision_note)


def _suspension_case(approval: ApprovalRequest) -> Case:
    return SuspensionRequest.objects.select_related("case").get(pk=approval.subject_id).case


def register_suspension_approval() -> None:
    """The suspension's approval policy: handlers ask, those the "suspend" move names decide,
    approving is that move, duty managers are told of each request. Called from `ready`."""
    suspend = transition_for("suspend")
    assert suspend is not None  # the table has it (tests/cases/test_workflow.py)
    approval_registry.register(
        approval_registry.Policy(
            kind=SUSPENSION_APPROVAL,
            label=gettext_lazy("Suspension"),
            requesters="cases.suspend.request",
            deciders=suspend.permission,
            on_approve=_approve_suspension,
            on_reject=_reject_suspension,
            on_requested=approval_registry.Notice(
                kind=SUSPENSION_REQUEST,
                recipients=lambda approval: users_with_role(Role.DUTY_MANAGER),
                subject=lambda approval: _("Case %(number)s: suspension awaiting your approval")
                % {"number": _suspension_case(approval).number},
                extra=lambda approval: {"case": _suspension_case(approval)},
            ),
            refused_request=gettext_lazy("Your role may not ask to suspend a case."),
            refused_decision=gettext_lazy("Only a duty manager or above may decide on a suspension."),
            already_decided=gettext_lazy("This request was already decided: %(status)s."),
        )
    )
