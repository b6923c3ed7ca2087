"""Vendor RMAs: claimed, the good part received (its return deadline started), the defective
part shipped back; and the business calendar's last working day of a month."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.calendars.business_time import WorkingCalendar
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.core.errors import NotAllowed
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    Part,
    PartRequest,
    Rma,
    Warehouse,
)
from aftersales.parts.services.common import (
    PartsError,
    _clean_serial,
    _field_error,
    _record_on_case,
    _require_quote_if_chargeable,
)
from aftersales.parts.services.requests import CLAIMABLE_STATUSES, _issue_to_request
from aftersales.parts.services.stock import Kind, _locked_balance, _move
from aftersales.parts.workflow import PART_REQUEST_WORKFLOW, RMA_WORKFLOW
from aftersales.timeline import services as timeline

RMA_RETURN_WORKING_DAYS = rma_deadlines.RETURN_WORKING_DAYS


@transaction.atomic
def claim_rma(
    *,
    number: str,
    warehouse: Warehouse,
    by,
    request: PartRequest | None = None,
    part: Part | None = None,
    quantity: int = 1,
    faulty_serial: str = "",
    direct: bool = False,
    note: str = "",
) -> Rma:
    """The HQ clerk claims an RMA from the vendor: in parallel with an advance replacement (the
    vendor's part refills the branch), or directly when no branch has the part (the vendor's
    part then serves the request, which waits for it)."""
    policy.require(by, perms.MANAGE_RMA)
    number = (number or "").strip().upper()[:40]
    if not number:
        raise _field_error("number", _("This field is required."))
    if request is not None:
        request = PartRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in CLAIMABLE_STATUSES:
            raise NotAllowed(_("An RMA is claimed for a part request the customer has confirmed."))
        part, quantity = request.part, request.quantity
        faulty_serial = faulty_serial or request.faulty_serial
        if direct:
            _require_quote_if_chargeable(request)
    if part is None:
        raise _field_error("part", _("This field is required."))
    if Rma.objects.filter(vendor_id=part.vendor_id, number=number).exists():
        raise _field_error("number", _("This vendor already has an RMA with this number."))
    try:
        with transaction.atomic():
            rma = Rma.objects.create(
                number=number,
                vendor_id=part.vendor_id,
                part=part,
                quantity=quantity,
                warehouse=warehouse,
                part_request=request,
                case=request.case if request is not None else None,
                direct=direct and request is not None,
                faulty_serial=_clean_serial(faulty_serial),
                claimed_by=by,
                note=(note or "").strip()[:500],
            )
    except IntegrityError:
        raise _field_error("number", _("This vendor already has an RMA with this number.")) from None
    timeline.record(rma, actor=by, kind="parts.rma.claimed", data={"number": number, "warehouse": warehouse.code})
    if request is not None:
        if rma.direct:
            PART_REQUEST_WORKFLOW.apply(obj=request, action="wait_vendor", by=by)
        _record_on_case(request.case, by=by, kind="parts.rma.claimed", rma=number, vendor=part.vendor.name)
    return rma


@transaction.atomic
def receive_rma_part(
    *, rma: Rma, good_serial: str, by, received_at: dt.datetime | None = None, expected_status: str | None = None
) -> Rma:
    """The vendor's good part arrived: its serial and the date are recorded, it enters the
    branch's stock (and, for a direct RMA, is issued to the waiting request at once), and the
    defective part's return deadline starts."""
    policy.require(by, perms.MANAGE_RMA)
    serial = _clean_serial(good_serial)
    if rma.part.serial_tracked and not serial:
        raise _field_error("good_serial", _("Enter the serial number of the good part."))
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise _field_error("received_at", _("This cannot be in the future."))
    rma = RMA_WORKFLOW.apply(obj=rma, action="receive", by=by, expected=expected_status)
    rma.good_serial = serial
    rma.good_received_at = received_at
    rma.save(update_fields=["good_serial", "good_received_at"])
    _receive_vendor_part(rma, serial=serial, by=by)
    return_deadline_started(rma)
    request = rma.part_request
    if rma.direct and request is not None and request.status == PartRequest.Status.AWAITING_VENDOR:
        request = PART_REQUEST_WORKFLOW.apply(obj=request, action="issue", by=by)
        _issue_to_request(request, warehouse=rma.warehouse, serial=serial, by=by, rma=rma)
    if rma.case_id is not None:
        _record_on_case(rma.case, by=by, kind="parts.rma.received", rma=rma.number, good_serial=serial)
    return rma


def _receive_vendor_part(rma: Rma, *, serial: str, by) -> None:
    """The vendor ships to direct-ship points; any other branch's part arrives at headquarters,
    which forwards it (S4: "其他分公司申请的备件将由总部统一发出"): the ledger shows the route."""
    branch = rma.warehouse
    hq = Warehouse.objects.filter(kind=Warehouse.Kind.HQ, is_active=True).first()
    arrives = branch if branch.vendor_direct_ship or hq is None else hq
    common = {"part": rma.part, "quantity": rma.quantity, "by": by, "serial": serial, "case": rma.case, "rma": rma}
    reason = f"RMA {rma.number}"
    _move(warehouse=arrives, kind=Kind.RECEIVE, reason=reason, **common)
    if arrives.pk != branch.pk:
        for warehouse in sorted((arrives, branch), key=lambda w: w.pk):
            _locked_balance(warehouse, rma.part)
        _move(warehouse=arrives, kind=Kind.TRANSFER_OUT, reason=reason, other_warehouse=branch, **common)
        _move(warehouse=branch, kind=Kind.TRANSFER_IN, reason=reason, other_warehouse=arrives, **common)


def return_deadline_started(rma: Rma) -> Rma:
    """The defective part must be back with the vendor within ten working days of receiving the
    good one (S4): a deadline on the deadlines mechanism (`parts.deadlines`), due at the end of
    the tenth working day after the day of receipt, with its warning and its escalation.
    `return_due_at` keeps the deadline's due time, for lists and exports."""
    if rma.good_received_at is None:
        return rma
    deadline = rma_deadlines.start_return_deadline(rma)
    rma.return_due_at = deadline.due_at
    rma.save(update_fields=["return_due_at"])
    return rma


def _working_days_calendar() -> WorkingCalendar:
    # 5×24 with public holidays and 调休, from the calendar tables (not saved: arithmetic only).
    return working_calendar(BusinessCalendar(code="parts-working-days", kind=BusinessCalendar.Kind.H5X24))


def is_last_working_day_of_month(day: dt.date) -> bool:
    """True on the month's last working day (public holidays and make-up days respected)."""
    calendar = _working_days_calendar()
    if not calendar.hours_on(day):
        return False
    later = day + dt.timedelta(days=1)
    while later.month == day.month:
        if calendar.hours_on(later):
            return False
        later += dt.timedelta(days=1)
    return True


@transaction.atomic
def ship_defective_part(
    *,
    rma: Rma,
    carrier: str,
    waybill: str,
    by,
    shipped_at: dt.datetime | None = None,
    expected_status: str | None = None,
) -> Rma:
    """The defective part went back to the vendor: carrier and waybill recorded."""
    policy.require(by, perms.MANAGE_RMA)
    errors = {}
    if not (carrier or "").strip():
        errors["carrier"] = [_("This field is required.")]
    if not (waybill or "").strip():
        errors["waybill"] = [_("This field is required.")]
    if errors:
        raise PartsError(_("Enter the carrier and the waybill number."), fields=errors)
    shipped_at = shipped_at or timezone.now()
    if shipped_at > timezone.now() + dt.timedelta(minutes=5):
        raise _field_error("shipped_at", _("This cannot be in the future."))
    rma = RMA_WORKFLOW.apply(obj=rma, action="ship", by=by, expected=expected_status)
    rma.carrier, rma.waybill, rma.returned_at = carrier.strip()[:100], waybill.strip()[:64], shipped_at
    rma.save(update_fields=["carrier", "waybill", "returned_at"])
    rma_deadlines.meet_return_deadline(rma, at=shipped_at)
    if rma.case_id is not None:
        _record_on_case(rma.case, by=by, kind="parts.rma.returned", rma=rma.number, waybill=rma.waybill)
    return rma


@transaction.atomic
def cancel_rma(*, rma: Rma, by, reason: str) -> Rma:
    policy.require(by, perms.MANAGE_RMA)
    if not (reason or "").strip():
        raise _field_error("reason", _("Please say why."))
    rma = RMA_WORKFLOW.apply(obj=rma, action="cancel", by=by, text=reason)
    rma_deadlines.stop_return_deadline(rma, at=timezone.now())
    return rma
