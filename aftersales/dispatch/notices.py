"""Dispatch's notification kinds (docs/notifications.md): an after-hours case for the people on
duty (SMS and group chat for A/B), a handover offered to a team, and its answer; a handover not
decided in time and a case still unassigned, for the duty manager (dispatch/deadlines.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aftersales.cases.notices import case_context, case_kind
from aftersales.notifications import registry
from aftersales.notifications.models import Notification

DUTY_CASE = "duty_case"
HANDOVER_REQUESTED = "handover_requested"
HANDOVER_DECIDED = "handover_decided"
HANDOVER_OVERDUE = "handover_overdue"
UNASSIGNED_OVERDUE = "unassigned_overdue"


def handover_context(request: Notification) -> dict:
    from aftersales.dispatch.models import Handover

    context = case_context(request)
    context["handover"] = (
        Handover.objects.select_related("to_team", "from_team", "requested_by")
        .filter(pk=int((request.payload or {}).get("handover") or 0))
        .first()
    )
    return context


def register() -> None:
    registry.register(
        case_kind(
            DUTY_CASE,
            gettext_lazy("After-hours case for the people on duty"),
            case_context,
            channels_from_payload=True,
            optional=False,
        )
    )
    registry.register(case_kind(HANDOVER_REQUESTED, gettext_lazy("Case handed over to your team"), handover_context))
    registry.register(case_kind(HANDOVER_DECIDED, gettext_lazy("Handover accepted or refused"), handover_context))
    registry.register(case_kind(HANDOVER_OVERDUE, gettext_lazy("Handover not decided in time"), handover_context))
    registry.register(case_kind(UNASSIGNED_OVERDUE, gettext_lazy("Case still unassigned"), case_context))
