"""Chargeable repairs (R1.3): the quote, the customer's answer, and the charge at closure."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases.models import Case, Status
from aftersales.contracts.entitlement import EntitlementKind, entitlement_for
from aftersales.contracts.models import ChargeStandard, ServiceContract
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.customers.models import Contact
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    Charge,
    Quote,
    StockMovement,
)
from aftersales.parts.notices import (
    ASK_QUOTE,
    queue_customer_answer,
)
from aftersales.parts.pricing import quote_lines
from aftersales.parts.services.common import _answering_contact, _field_error, _record_on_case, _require_answerer
from aftersales.parts.services.stock import Kind
from aftersales.parts.workflow import QUOTE_WORKFLOW
from aftersales.timeline import services as timeline


def charge_standard_for(customer_id: int) -> ChargeStandard | None:
    """The charge standard of the customer's latest contract, else the default one (as the
    entitlement's rate is chosen)."""
    latest = (
        ServiceContract.objects.filter(customer_id=customer_id, charge_standard__isnull=False)
        .select_related("charge_standard")
        .order_by("-end_date")
        .first()
    )
    if latest is not None:
        return latest.charge_standard
    return ChargeStandard.objects.filter(is_default=True).first()


@transaction.atomic
def offer_quote(*, case: Case, by, labour_hours: Decimal = Decimal("0"), visits: int = 0) -> Quote:
    """Quote a chargeable hardware repair: the charge standard's rate (12 % by default) of the
    equipment's contract price, plus the standard's hourly rate × hours and on-site fee × visits.
    Only for equipment outside warranty and contract, or any equipment when the cause is
    excluded (misuse, accident, force majeure). One live quote per case."""
    policy.require(by, perms.OFFER_QUOTE, case)
    case = Case.objects.select_for_update(of=("self",)).select_related("equipment__product_model").get(pk=case.pk)
    equipment = case.equipment
    if equipment is None:
        raise _field_error("equipment", _("The case names no equipment to quote for."))
    if not equipment.product_model.is_hardware:
        raise _field_error("equipment", _("Software products get no hardware quote."))
    if equipment.contract_price is None:
        raise _field_error("equipment", _("The equipment has no contract price to quote from."))
    entitlement = entitlement_for(equipment, on=timezone.localdate(), excluded_cause=case.excluded_cause)
    if entitlement.kind != EntitlementKind.CHARGEABLE:
        raise NotAllowed(
            _("This equipment is covered (%(cover)s): the repair is not charged.") % {"cover": entitlement.kind.label}
        )
    if not (Decimal("0") <= labour_hours <= Decimal("999")):
        raise _field_error("labour_hours", _("Enter hours from 0 to 999."))
    if not 0 <= visits <= 99:
        raise _field_error("visits", _("Enter a number of visits from 0 to 99."))
    standard = charge_standard_for(case.customer_id)
    lines = quote_lines(
        contract_price=equipment.contract_price,
        repair_rate=entitlement.repair_rate or Decimal("0.12"),
        hourly_rate=standard.hourly_rate if standard else Decimal("0"),
        labour_hours=labour_hours,
        on_site_fee=standard.on_site_fee if standard else Decimal("0"),
        visits=visits,
    )
    if case.quotes.filter(status__in=[Quote.Status.OFFERED, Quote.Status.ACCEPTED]).exists():
        raise Conflict(_("This case already has a quote offered or accepted."))
    quote = Quote.objects.create(
        case=case,
        customer_id=case.customer_id,
        equipment=equipment,
        entitlement=entitlement.kind,
        excluded_cause=case.excluded_cause,
        charge_standard=standard,
        contract_price=equipment.contract_price,
        repair_rate=entitlement.repair_rate or Decimal("0.12"),
        repair_amount=lines.repair,
        labour_hours=labour_hours,
        labour_amount=lines.labour,
        visits=visits,
        travel_amount=lines.travel,
        total=lines.total,
        offered_by=by,
    )
    data = {"quote": quote.number, "total": str(quote.total)}
    timeline.record(quote, actor=by, kind="parts.quote.offered", data=data)
    _record_on_case(case, by=by, kind="parts.quote.offered", public=True, **data)
    queue_customer_answer(case=case, what=ASK_QUOTE, reference=quote.number)
    return quote


@transaction.atomic
def answer_quote(
    *, quote: Quote, by, accept: bool, contact: Contact | None = None, expected_status: str | None = None
) -> Quote:
    """The customer accepts or declines the quote (portal, or recorded by the desk)."""
    _require_answerer(by, quote)
    who, channel = _answering_contact(by, quote, contact)
    quote = QUOTE_WORKFLOW.apply(obj=quote, action="accept" if accept else "decline", by=by, expected=expected_status)
    quote.answered_at, quote.answer_channel = timezone.now(), channel
    quote.answered_by_contact, quote.answer_recorded_by = who, by
    quote.save(update_fields=["answered_at", "answer_channel", "answered_by_contact", "answer_recorded_by"])
    kind = "parts.quote.accepted" if accept else "parts.quote.declined"
    _record_on_case(quote.case, by=by, kind=kind, public=True, quote=quote.number, channel=channel)
    return quote


@transaction.atomic
def withdraw_quote(*, quote: Quote, by, reason: str = "") -> Quote:
    policy.require(by, perms.OFFER_QUOTE, quote)
    quote = QUOTE_WORKFLOW.apply(obj=quote, action="withdraw", by=by, text=reason)
    _record_on_case(quote.case, by=by, kind="parts.quote.withdrawn", public=True, quote=quote.number)
    return quote


def parts_used(case: Case) -> list[dict]:
    """The parts issued to a case less those returned, with their unit prices (Decimal text)."""
    rows = (
        StockMovement.objects.filter(case=case, kind__in=[Kind.ISSUE, Kind.RETURN])
        .values("part_id", "part__part_number", "part__description", "part__unit_price")
        .annotate(net=-Sum("on_hand_delta"))
        .order_by("part__part_number")
    )
    return [
        {
            "part": row["part__part_number"],
            "description": row["part__description"],
            "quantity": row["net"],
            "unit_price": str(row["part__unit_price"]),
        }
        for row in rows
        if row["net"] > 0
    ]


def record_charge(case: Case) -> Charge | None:
    """At closure: the accepted quote and the parts used become one charge record, once."""
    quote = case.quotes.filter(status=Quote.Status.ACCEPTED).first()
    if quote is None or Charge.objects.filter(quote=quote).exists():
        return None
    lines = parts_used(case)
    parts_amount = sum((Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal("0"))
    charge = Charge.objects.create(
        case=case,
        customer_id=case.customer_id,
        quote=quote,
        quoted_amount=quote.total,
        parts_amount=parts_amount,
        total=quote.total + parts_amount,
        parts=lines,
    )
    _record_on_case(case, by=None, kind="parts.charge.recorded", total=str(charge.total))
    return charge


def _charge_on_closure(sender, instance: Case, created: bool, **kwargs) -> None:
    # Every status change saves the case inside the workflow's transaction; a closing one
    # writes the charge in that same transaction.
    if not created and instance.status == Status.CLOSED:
        record_charge(instance)


def connect_signals() -> None:
    post_save.connect(_charge_on_closure, sender=Case, dispatch_uid="parts.charge_on_closure")
