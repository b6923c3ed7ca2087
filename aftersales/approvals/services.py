"""Asking for and deciding approvals: the one flow every kind goes through.

The owning app keeps its own facts (a suspension's consent, a registration's name) and
declares a policy (registry.py); this module checks the requester and the decider, locks the
request, lets it be decided once, runs the policy's effect in the same transaction, records
both steps on the subject's timeline and queues the policy's notices."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.approvals.models import Request
from aftersales.approvals.registry import Notice, Policy, get
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.core.subjects import subject_filter
from aftersales.notifications.services import queue_notification
from aftersales.timeline import services as timeline

# Timeline kinds written when a policy names none of its own.
REQUESTED = "approval.requested"
DECIDED = "approval.decided"


def requests_for(subject: models.Model, *, kind: str | None = None) -> models.QuerySet[Request]:
    """The approval requests about `subject` (of one kind if given), newest first."""
    requests = Request.objects.filter(**subject_filter(subject))
    return requests.filter(kind=kind) if kind else requests


@transaction.atomic
def request_approval(
    *,
    kind: str,
    subject: models.Model,
    by,
    evidence: Mapping[str, Any] | None = None,
    evidence_text: str = "",
    due_at: dt.datetime | None = None,
) -> Request:
    """Ask for an approval of `kind` about `subject` and return the pending request.

    Guarantees: `by` is one the kind's policy lets ask (NotAllowed otherwise); at most one
    request of a kind is pending per subject, even for two requesters at once (Conflict); the
    request, its timeline entry on the subject and the policy's notice are written in one
    transaction, the caller's if there is one."""
    policy = get(kind)
    if not policy.may_request(by, subject):
        raise NotAllowed(policy.refused_request)
    request = Request(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        requester=by if by is not None and by.is_authenticated else None,
        evidence=json.loads(json.dumps(dict(evidence or {}), cls=DjangoJSONEncoder)),
        evidence_text=(evidence_text or "").strip(),
        due_at=due_at,
    )
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("A request of this kind is already awaiting a decision.")) from None
    data = policy.requested_data(request) if policy.requested_data else _request_data(request)
    timeline.record(subject, actor=request.requester, kind=policy.requested_entry, data=data)
    _notify(policy.on_requested, request)
    return request


@transaction.atomic
def decide(*, request: Request, by, approve: bool, note: str = "") -> Request:
    """Approve or reject a pending request, with a note; return it as decided.

    Guarantees: `by` is one the kind's policy lets decide (NotAllowed otherwise, nothing
    written); the row is locked (`select_for_update`), so of two deciders at once one decides
    and the other finds it decided; a request decided (or withdrawn) already is a Conflict; the
    policy's `on_approve` / `on_reject` runs in this transaction after the decision is written,
    and if it raises, the decision is rolled back with it; the decision is recorded on the
    subject's timeline and the policy's notice queued, in the same transaction."""
    policy = get(request.kind)
    if not policy.may_decide(by, request):
        raise NotAllowed(policy.refused_decision)
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if locked.status != Request.Status.PENDING:
        raise Conflict(policy.already_decided % {"status": locked.get_status_display()})
    locked.status = Request.Status.APPROVED if approve else Request.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = by, timezone.now(), (note or "").strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    effect = policy.on_approve if approve else policy.on_reject
    if effect is not None:
        effect(locked, by)
    _record_decision(policy, locked, actor=by)
    return locked


@transaction.atomic
def withdraw(*, request: Request, by, note: str = "") -> Request:
    """The requester takes back a pending request (nothing is approved or rejected).

    Guarantees: only the requester may (NotAllowed otherwise); row locked, a request no longer
    pending is a Conflict; recorded on the subject's timeline; no effect runs."""
    locked = Request.objects.select_for_update().get(pk=request.pk)
    policy = get(locked.kind)
    if by is None or locked.requester_id != by.pk:
        raise NotAllowed(_("Only the requester may withdraw a request."))
    if locked.status != Request.Status.PENDING:
        raise Conflict(policy.already_decided % {"status": locked.get_status_display()})
    locked.status = Request.Status.WITHDRAWN
    locked.decided_by, locked.decided_at, locked.decision_note = by, timezone.now(), (note or "").strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    timeline.record(_subject(locked), actor=by, kind=DECIDED, data=_decision_data(locked))
    return locked


def adopt(
    *,
    kind: str,
    subject: models.Model,
    requester,
    requested_at: dt.datetime,
    status: str = Request.Status.PENDING,
    decided_by=None,
    decided_at: dt.datetime | None = None,
    decision_note: str = "",
) -> Request:
    """The latest request of `kind` about `subject`; for a subject asked for before this
    mechanism existed (or a row written by hand), one is written as it stands, without a
    check, entry or notice — nothing new happened. The caller holds a lock on the subject, so
    two callers never both write one."""
    existing = requests_for(subject, kind=kind).order_by("-requested_at", "-pk").first()
    if existing is not None:
        return existing
    get(kind)  # an unknown kind fails here, not at the decision
    return Request.objects.create(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        requester=requester,
        requested_at=requested_at,
        status=status,
        decided_by=decided_by,
        decided_at=decided_at,
        decision_note=decision_note or "",
    )


def _record_decision(policy: Policy, request: Request, *, actor) -> None:
    data = policy.decided_data(request) if policy.decided_data else _decision_data(request)
    timeline.record(_subject(request), actor=actor, kind=policy.decided_entry, data=data)
    _notify(policy.on_decided, request)


def _subject(request: Request) -> models.Model:
    return request.subject_type.get_object_for_this_type(pk=request.subject_id)


def _request_data(request: Request) -> dict[str, Any]:
    return {"request": request.pk, "kind": request.kind, "evidence": request.evidence}


def _decision_data(request: Request) -> dict[str, Any]:
    return {
        "request": request.pk,
        "kind": request.kind,
        "changes": {"status": [Request.Status.PENDING, request.status]},
        "text": request.decision_note,
    }


def _notify(notice: Notice | None, request: Request) -> None:
    if notice is None:
        return
    extra = dict(notice.extra(request)) if notice.extra else {}
    queue_notification(
        kind=notice.kind, recipients=notice.recipients(request), subject=notice.subject(request), **extra
    )
