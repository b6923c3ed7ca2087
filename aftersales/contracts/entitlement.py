"""What a customer is entitled to for one piece of equipment on one day (R1.3, R1.5).

Rules, in order:
1. A cause excluded from cover (misuse, accident, force majeure) is always chargeable.
2. A maintenance contract in force that lists the equipment covers it (the one ending last wins).
3. Otherwise the equipment is in warranty from its acceptance date through the day before the
   same date `warranty_months` later (12 by default): accepted 2025-11-22, covered through
   2026-11-21.
4. Otherwise a hardware repair is chargeable at the charge standard's rate (12 %) of the
   equipment's contract price; software and consultations are quoted by the charge standard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.contracts.models import ChargeStandard, ServiceContract
from aftersales.core import refcache

DEFAULT_REPAIR_RATE = Decimal("0.12")


class EntitlementKind(models.TextChoices):
    WARRANTY = "warranty", _("In warranty")
    CONTRACT = "contract", _("Maintenance contract")
    CHARGEABLE = "chargeable", _("Chargeable")
    UNKNOWN = "unknown", _("No equipment chosen")


class ExcludedCause(models.TextChoices):
    NONE = "", _("None")
    MISUSE = "misuse", _("Misuse")
    ACCIDENT = "accident", _("Accident")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")


@dataclass(frozen=True)
class Entitlement:
    kind: EntitlementKind
    contract: ServiceContract | None = None
    warranty_end: dt.date | None = None
    repair_quote: Decimal | None = None
    repair_rate: Decimal | None = None
    excluded_cause: str = ""

    @property
    def is_covered(self) -> bool:
        return self.kind in (EntitlementKind.WARRANTY, EntitlementKind.CONTRACT)


def entitlement_for(equipment, *, on: dt.date, excluded_cause: str = "") -> Entitlement:
    """The entitlement of `equipment` on day `on`, given an optional excluded cause."""
    if equipment is None:
        return Entitlement(kind=EntitlementKind.UNKNOWN)
    contract = None if excluded_cause else _contract_in_force(equipment, on)
    return _decide(equipment, on, excluded_cause, contract, lambda: _repair_rate(equipment))


def entitlements_for(equipment_list, *, on: dt.date) -> dict[int, Entitlement]:
    """The entitlement of each of one customer's `equipment_list` on `on`, in two queries."""
    ids = [item.pk for item in equipment_list]
    covering: dict[int, ServiceContract] = {}
    links = ServiceContract.equipment.through.objects.filter(
        equipment_id__in=ids, servicecontract__start_date__lte=on, servicecontract__end_date__gte=on
    ).select_related("servicecontract")
    for link in sorted(links, key=lambda row: (row.servicecontract.end_date, row.servicecontract.pk)):
        covering[link.equipment_id] = link.servicecontract  # the one ending last wins
    rates: dict[int, Decimal] = {}

    def rate_for(item):
        if item.customer_id not in rates:
            rates[item.customer_id] = _repair_rate(item)
        return rates[item.customer_id]

    return {
        item.pk: _decide(item, on, "", covering.get(item.pk), lambda item=item: rate_for(item))
        for item in equipment_list
    }


def _decide(equipment, on: dt.date, excluded_cause: str, contract, repair_rate) -> Entitlement:
    warranty_end = equipment.warranty_end
    if not excluded_cause:
        if contract is not None:
            return Entitlement(kind=EntitlementKind.CONTRACT, contract=contract, warranty_end=warranty_end)
        if warranty_end is not None and equipment.acceptance_date <= on <= warranty_end:
            return Entitlement(kind=EntitlementKind.WARRANTY, warranty_end=warranty_end)
    rate = repair_rate()
    quote = None
    if equipment.product_model.is_hardware and equipment.contract_price is not None:
        quote = (equipment.contract_price * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Entitlement(
        kind=EntitlementKind.CHARGEABLE,
        warranty_end=warranty_end,
        repair_quote=quote,
        repair_rate=rate,
        excluded_cause=excluded_cause,
    )


def _contract_in_force(equipment, on: dt.date) -> ServiceContract | None:
    return (
        ServiceContract.objects.filter(equipment=equipment, start_date__lte=on, end_date__gte=on)
        .order_by("-end_date", "-pk")
        .first()
    )


def _repair_rate(equipment) -> Decimal:
    # The charge standard of the customer's latest contract, else the default standard, else 12 %.
    latest = (
        ServiceContract.objects.filter(customer_id=equipment.customer_id, charge_standard__isnull=False)
        .select_related("charge_standard")
        .order_by("-end_date")
        .first()
    )
    if latest is not None:
        return latest.charge_standard.hardware_repair_rate
    default = refcache.cached(
        "contracts.default_repair_rate",
        (ChargeStandard,),
        lambda: ChargeStandard.objects.filter(is_default=True).values_list("hardware_repair_rate", flat=True).first(),
    )
    return default if default is not None else DEFAULT_REPAIR_RATE
