"""The reminder of public holidays not entered: a notification kind and the weekly reminder.

The calendars (kernel) only know which years lack holidays (`calendars.holiday_years`); telling
someone is a notification, a mechanism above the kernel, so the reminder lives with the service
levels, whose clocks run on those calendars and whose duty board shows the same warning.
Registered from SlaConfig.ready (docs/notifications.md); the periodic task is sla.tasks.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.roles import Role
from aftersales.calendars.holiday_years import missing_holiday_years
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import NotificationKind
from aftersales.notifications.services import queue_notification

HOLIDAYS_MISSING = "holidays_missing"


def holidays_missing_context(request: Notification) -> dict:
    years = "、".join(str(year) for year in request.payload.get("years", []))
    return {"years": years, "url": rendering.site_url(reverse("admin:calendars_holidayday_changelist"))}


def register() -> None:
    registry.register(
        NotificationKind(
            name=HOLIDAYS_MISSING,
            label=gettext_lazy("Public holidays of a year not entered"),
            context=holidays_missing_context,
        )
    )


def administrators():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMIN.value) | Q(is_superuser=True))
        .distinct()
    )


@transaction.atomic
def remind_missing_holidays(*, today: dt.date) -> int:
    """Remind administrators, once per ISO week, of years whose public holidays are due and
    not entered. Idempotent: a second run in the same week writes nothing. Returns the number
    of notifications written."""
    missing = missing_holiday_years(today)
    if not missing:
        return 0
    iso_year, week, _weekday = today.isocalendar()
    years = "-".join(str(year) for year in missing.overdue)
    rows = queue_notification(
        kind=HOLIDAYS_MISSING,
        recipients=list(administrators()),
        subject=_("Public holidays of %(years)s not entered") % {"years": "、".join(map(str, missing.overdue))},
        payload={"years": list(missing.overdue)},
        dedupe_key=f"holidays-missing:{years}:{iso_year}-W{week:02d}",
    )
    return len(rows)
