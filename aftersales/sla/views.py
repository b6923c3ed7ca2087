"""The duty manager's board: what is breaching or about to, live enough for a wall screen."""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from aftersales.accounts import policy
from aftersales.calendars.holiday_years import missing_holiday_years
from aftersales.cases.live import SUSPENSIONS, cases_version
from aftersales.cases.models import OPEN_STATUSES
from aftersales.cases.queries import visible_cases
from aftersales.core import live
from aftersales.sla.models import Escalation, SuspensionRequest
from aftersales.sla.suspensions import past_expected_end

BOARD_HORIZON_MINUTES = 60
BOARD_LIMIT = 100
REFRESH_SECONDS = 30


def board_version(user) -> str:
    """The board's version: the cases the user sees, the suspension requests, and the half
    minute we are in (cases cross into "due soon" and "breached" with the clock alone); each
    user's half minute starts at its own moment, so that boards do not all render at once."""
    step = (int(time.time()) + user.pk * 7) // REFRESH_SECONDS
    return live.version(cases_version(user), step, *live.tokens([SUSPENSIONS]))


@login_required
def board(request):
    """What is breaching or about to; it polls itself (`?partial=live`) and swaps its content."""
    if not policy.allowed(request.user, "sla.duty_board"):
        raise PermissionDenied
    if live.is_poll(request):
        version = board_version(request.user)
        return live.answer(request, version, lambda: _board(request, "sla/_board.html"))
    return _board(request, "sla/board.html", live_version=board_version(request.user))


def _board(request, template: str, **extra):
    now = timezone.now()
    cases = visible_cases(request.user).filter(
        status__in=OPEN_STATUSES, next_due_at__lte=now + dt.timedelta(minutes=BOARD_HORIZON_MINUTES)
    )
    context = {
        "now": now,
        "breached": list(
            cases.filter(next_due_at__lte=now).select_related("customer", "owner").order_by("next_due_at")[:BOARD_LIMIT]
        ),
        "due_soon": list(
            cases.filter(next_due_at__gt=now).select_related("customer", "owner").order_by("next_due_at")[:BOARD_LIMIT]
        ),
        "suspensions": SuspensionRequest.objects.filter(status=SuspensionRequest.Status.PENDING)
        .select_related("case", "requested_by")
        .order_by("requested_at"),
        "suspensions_past_end": past_expected_end(now)
        .select_related("case", "case__owner")
        .order_by("expected_end_at")[:BOARD_LIMIT],
        "escalations": Escalation.objects.filter(fired_at__gte=now - dt.timedelta(hours=2))
        .select_related("case", "rule")
        .order_by("-fired_at")[:20],
        # Nothing stays unassigned without the duty manager seeing it (R4.8), oldest first.
        "unassigned": list(
            visible_cases(request.user)
            .filter(status__in=OPEN_STATUSES, owner__isnull=True)
            .select_related("customer", "team")
            .order_by("opened_at")[:BOARD_LIMIT]
        ),
        "missing_holidays": missing_holiday_years(timezone.localdate(now)),
        "refresh": REFRESH_SECONDS,
        "horizon": BOARD_HORIZON_MINUTES,
        **extra,
    }
    return render(request, template, context)
