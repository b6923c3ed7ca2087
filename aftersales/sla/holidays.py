"""The calendars' notification kind: public holidays of a coming year not entered yet.
Registered from CalendarsConfig.ready (docs/notifications.md)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import NotificationKind

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
