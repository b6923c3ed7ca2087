"""Suspensions that outlast their expected end: the owner is reminded, once.

Every suspension request carries the date and time the engineer expects to resume. Approving
it schedules an alarm of the deadlines mechanism at that time (`sla.suspension_end`, key
`suspension-end:<request>`, `ref` the request); resuming cancels it. The one sweep
(`tasks.sweep_clocks`) fires it once: `on_fire` writes a timeline entry and a notification for
the owner (the requester when nobody owns the case). The alarm is claimed with row locks and
fired once, the request marked by a compare-and-swap, and the notification carries a dedupe
key, so several workers or a second run never remind twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.cases.events import record_case_event
from aftersales.cases.models import EventKind, Status, SuspensionRequest
from aftersales.deadlines import registry
from aftersales.deadlines import services as deadlines
from aftersales.deadlines.models import Alarm
from aftersales.deadlines.services import Scheduled
from aftersales.notifications.services import queue_notification
from aftersales.sla.models import SUSPENSION_END_ALARM
from aftersales.sla.notices import SUSPENSION_END


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


# --- the alarm ------------------------------------------------------------------------------


def end_key(request: SuspensionRequest) -> str:
    return f"suspension-end:{request.pk}"


def schedule_end_reminder(request: SuspensionRequest) -> None:
    """The case is suspended under `request` (approved): its expected end becomes an alarm."""
    if request.expected_end_at is None:  # asked before the expected end was
        return
    deadlines.schedule(
        request.case, [Scheduled(SUSPENSION_END_ALARM, end_key(request), request.expected_end_at, ref=request.pk)]
    )


def cancel_end_reminders(case, *, at: dt.datetime) -> None:
    """The case resumed: a reminder not sent yet will not be."""
    deadlines.cancel_alarms(Alarm.objects.for_subject(case).filter(kind=SUSPENSION_END_ALARM), at=at)


def on_fire(firings: Sequence[registry.Firing], now: dt.datetime) -> None:
    """Expected ends passed (each alarm handed over once, in the sweep's transaction): remind
    the owner, unless the case is not suspended under that request any more (a resumption
    cancels the alarm; this guards a resumption racing the sweep) or was reminded already."""
    requests = (
        SuspensionRequest.objects.select_for_update(of=("self",))
        .select_related("case__owner", "requested_by")
        .filter(pk__in=[firing.ref for firing in firings], end_reminded_at__isnull=True)
        .order_by("pk")
    )
    for request in requests:
        current = current_suspension(request.case)
        if current is None or current.pk != request.pk:
            continue
        # Compare-and-swap: whoever sets the mark first reminds.
        if SuspensionRequest.objects.filter(pk=request.pk, end_reminded_at__isnull=True).update(end_reminded_at=now):
            _remind(request, now)


def remind_suspension_ends(*, now: dt.datetime | None = None) -> int:
    """The reminders of suspensions past their expected end, by themselves: the one sweep
    (`aftersales.deadlines`) firing only these alarms; returns how many fired."""
    return deadlines.sweep_by_kind(now=now, alarm_kinds=[SUSPENSION_END_ALARM]).fired[SUSPENSION_END_ALARM]


def _remind(request: SuspensionRequest, now: dt.datetime) -> None:
    assert request.expected_end_at is not None  # only a request with an expected end has the alarm
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
