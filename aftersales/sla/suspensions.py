"""Suspensions that outlast their expected end: the owner is reminded, once.

Every suspension request carries the date and time the engineer expects to resume. The
periodic sweep (`tasks.sweep_clocks`) calls `remind_suspension_ends`: for each case still
suspended whose current suspension's expected end has passed, it writes a timeline entry and a
notification for the owner (the requester when nobody owns the case). Claimed with row locks
and marked by a compare-and-swap, and the notification carries a dedupe key, so several
workers or a second run never remind twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.cases.events import record_case_event
from aftersales.cases.models import EventKind, Status
from aftersales.notifications.services import queue_notification
from aftersales.sla.models import SuspensionRequest
from aftersales.sla.notices import SUSPENSION_END

REMINDER_BATCH = 500


def current_suspension(case) -> SuspensionRequest | None:
    """The approved request under which `case` is suspended now (None if it is not)."""
    if case.status != Status.SUSPENDED:
        return None
    return (
        SuspensionRequest.objects.filter(case=case, status=SuspensionRequest.Status.APPROVED)
        .order_by("-decided_at", "-pk")
        .first()
    )


def past_expected_end(now: dt.datetime):
    """Current suspensions of still-suspended cases whose expected end has passed (an older
    request of a case suspended again since does not count)."""
    latest = (
        SuspensionRequest.objects.filter(case=OuterRef("case"), status=SuspensionRequest.Status.APPROVED)
        .order_by("-decided_at", "-pk")
        .values("pk")[:1]
    )
    return SuspensionRequest.objects.filter(
        status=SuspensionRequest.Status.APPROVED,
        expected_end_at__lte=now,
        case__status=Status.SUSPENDED,
        pk=Subquery(latest),
    )


def overdue_suspensions(now: dt.datetime):
    """Those of `past_expected_end` whose owner was not reminded yet."""
    return past_expected_end(now).filter(end_reminded_at__isnull=True)


@transaction.atomic
def remind_suspension_ends(*, now: dt.datetime | None = None) -> int:
    """Remind the owners of suspensions past their expected end; returns how many."""
    now = now or timezone.now()
    due = list(
        overdue_suspensions(now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("case__owner", "requested_by")
        .order_by("expected_end_at")[:REMINDER_BATCH]
    )
    reminded = 0
    for request in due:
        # Compare-and-swap: whoever sets the mark first reminds.
        if not SuspensionRequest.objects.filter(pk=request.pk, end_reminded_at__isnull=True).update(
            end_reminded_at=now
        ):
            continue
        _remind(request, now)
        reminded += 1
    return reminded


def _remind(request: SuspensionRequest, now: dt.datetime) -> None:
    assert request.expected_end_at is not None  # overdue_suspensions() selects past expected ends
    case = request.case
    recipient = case.owner or request.requested_by
    end = timezone.localtime(request.expected_end_at).strftime("%Y-%m-%d %H:%M")
    record_case_event(
        case,
        by=None,
        at=now,
        kind=EventKind.SUSPENSION,
        text=_("The suspension was expected to end at %(end)s; %(owner)s was reminded to resume or ask again.")
        % {"end": end, "owner": recipient},
    )
    queue_notification(
        kind=SUSPENSION_END,
        recipients=[recipient],
        subject=_("Case %(number)s: the suspension was expected to end at %(end)s")
        % {"number": case.number, "end": end},
        case=case,
        payload={"request": request.pk, "expected_end_at": request.expected_end_at.isoformat()},
        dedupe_key=f"suspension-end:{request.pk}",
    )
