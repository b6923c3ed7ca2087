"""The notification kinds of spare parts (docs/notifications.md), registered from
PartsConfig.ready:

- `part_request`: a part request needs a clerk (confirmed by the customer) or the engineer's
  hands (part issued), about a case;
- `return_offer_approval`: a return, exchange or refund awaits a manager's approval;
- `rma_monthly_summary`: the month's RMA summary, to headquarters on the last working day.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aftersales.cases.notices import case_context, case_kind
from aftersales.notifications import registry
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import NotificationKind

PART_REQUEST = "part_request"
RETURN_OFFER_APPROVAL = "return_offer_approval"
RMA_SUMMARY = "rma_monthly_summary"


def part_request_context(request: Notification) -> dict:
    from aftersales.parts.models import PartRequest

    part_request = PartRequest.objects.select_related("part").filter(pk=request.payload.get("request")).first()
    return case_context(request) | {"part_request": part_request, "event": request.payload.get("event", "")}


def rma_summary_context(request: Notification) -> dict:
    return {
        "month": request.payload.get("month", ""),
        "rows": request.payload.get("rows", []),
        "url": request.payload.get("url", ""),
    }


def register() -> None:
    registry.register(case_kind(PART_REQUEST, gettext_lazy("Part request"), part_request_context))
    registry.register(
        case_kind(RETURN_OFFER_APPROVAL, gettext_lazy("Return, exchange or refund to approve"), case_context)
    )
    registry.register(
        NotificationKind(name=RMA_SUMMARY, label=gettext_lazy("Monthly RMA summary"), context=rma_summary_context)
    )
