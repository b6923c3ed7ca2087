"""The service-level notification kinds: escalations and suspensions past their expected end.
Registered from SlaConfig.ready (docs/notifications.md). A suspension awaiting approval is the
case's kind (`cases.notices.SUSPENSION_REQUEST`, re-exported here)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aftersales.cases.notices import SUSPENSION_REQUEST, case_context, case_kind
from aftersales.notifications import registry
from aftersales.notifications.models import Notification

__all__ = ["ESCALATION", "SUSPENSION_END", "SUSPENSION_REQUEST", "register"]

ESCALATION = "escalation"
SUSPENSION_END = "suspension_end"


def escalation_context(request: Notification) -> dict:
    from aftersales.sla.escalation import Firing, describe
    from aftersales.sla.models import Escalation

    reason = ""
    escalation_pk = request.dedupe_key.removeprefix("escalation:")
    if escalation_pk.isdigit():
        fired = Escalation.objects.select_related("rule", "case", "clock").filter(pk=escalation_pk).first()
        if fired is not None:  # the reason in the recipient's language, not the sweep's
            reason = describe(fired.rule, Firing.of(fired))
    return {**case_context(request), "rule": request.payload.get("rule", ""), "reason": reason}


def suspension_end_context(request: Notification) -> dict:
    assert request.case is not None  # queued with its case (sla/suspensions.py)
    suspension = request.case.suspension_requests.filter(pk=request.payload.get("request")).first()
    return {**case_context(request), "request": suspension}


def register() -> None:
    # The SLA discipline decides where escalations go: the rule's channels, whatever the
    # recipient's preferences say.
    registry.register(
        case_kind(
            ESCALATION,
            gettext_lazy("Escalation"),
            escalation_context,
            optional=False,
            channels_from_payload=True,
        )
    )
    registry.register(
        case_kind(SUSPENSION_END, gettext_lazy("Expected end of a suspension passed"), suspension_end_context)
    )
