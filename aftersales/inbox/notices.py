"""The inbox's notification kind: a customer wrote about a finished case. Registered from
InboxConfig.ready (docs/notifications.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aftersales.cases.notices import case_context, case_kind, staff_url
from aftersales.notifications import registry
from aftersales.notifications.models import Notification

MAIL_ON_CLOSED_CASE = "mail_on_closed_case"


def mail_on_closed_case_context(request: Notification) -> dict:
    from aftersales.cases.models import Case

    follow_up = Case.objects.filter(number=request.payload.get("follow_up", "")).first()
    return {
        **case_context(request),
        "follow_up": follow_up,
        "follow_up_url": staff_url(follow_up) if follow_up else "",
        "sender": request.payload.get("sender", ""),
    }


def register() -> None:
    registry.register(
        case_kind(
            MAIL_ON_CLOSED_CASE, gettext_lazy("Customer e-mail about a finished case"), mail_on_closed_case_context
        )
    )
