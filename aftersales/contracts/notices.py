"""The contracts' notification kind: a contract about to end. Registered from
ContractsConfig.ready (docs/notifications.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aftersales.notifications import registry
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import NotificationKind

CONTRACT_RENEWAL = "contract_renewal"


def contract_renewal_context(request: Notification) -> dict:
    from aftersales.contracts.models import ServiceContract

    number = request.payload.get("contract", "")
    contract = ServiceContract.objects.select_related("customer").filter(number=number).first()
    return {"contract": contract, "number": number, "end_date": request.payload.get("end_date", "")}


def register() -> None:
    registry.register(
        NotificationKind(
            name=CONTRACT_RENEWAL, label=gettext_lazy("Contract renewal due"), context=contract_renewal_context
        )
    )
