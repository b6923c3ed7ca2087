"""Read side of spare parts. Part requests, quotes and return offers are seen through their
case (`visible_cases`): a customer's contact sees those of the cases they may see, nobody else's.
Stock, RMAs and charges are for staff only (`parts.view_stock`)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from aftersales.accounts import policy
from aftersales.cases.queries import visible_cases
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    Charge,
    PartRequest,
    Quote,
    ReturnOffer,
    Rma,
    StockBalance,
    StockMovement,
    Warehouse,
)

BEIJING = ZoneInfo("Asia/Shanghai")
Row = TypeVar("Row", bound=models.Model)


def visible_part_requests(user) -> QuerySet[PartRequest]:
    return PartRequest.objects.filter(case__in=visible_cases(user)).select_related(
        "case", "part", "site", "warehouse", "requested_by", "consent_by"
    )


def visible_quotes(user) -> QuerySet[Quote]:
    return Quote.objects.filter(case__in=visible_cases(user)).select_related("case", "equipment", "charge_standard")


def visible_return_offers(user) -> QuerySet[ReturnOffer]:
    return ReturnOffer.objects.filter(case__in=visible_cases(user)).select_related("case", "equipment")


def may_view_stock(user) -> bool:
    return policy.allowed(user, perms.VIEW_STOCK)


def _staff_only(user, queryset: QuerySet) -> QuerySet:
    return queryset if may_view_stock(user) else queryset.none()


def visible_balances(user) -> QuerySet[StockBalance]:
    return _staff_only(user, StockBalance.objects.select_related("warehouse", "part").order_by("warehouse", "part"))


def visible_movements(user) -> QuerySet[StockMovement]:
    return _staff_only(user, StockMovement.objects.select_related("warehouse", "part", "by", "case", "rma"))


def visible_rmas(user) -> QuerySet[Rma]:
    return _staff_only(user, Rma.objects.select_related("vendor", "part", "warehouse", "part_request", "case"))


def visible_warehouses(user) -> QuerySet[Warehouse]:
    return _staff_only(user, Warehouse.objects.filter(is_active=True))


def visible_charges(user) -> QuerySet[Charge]:
    if not policy.allowed(user, perms.EXPORT_CHARGES):
        return Charge.objects.none()
    return Charge.objects.select_related("case", "customer", "quote")


def get_visible(queryset: QuerySet[Row], pk) -> Row:
    """One row of a scoped queryset, or the same 404 as a row that does not exist."""
    try:
        return queryset.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, ObjectDoesNotExist):
        raise Http404 from None


def requests_to_serve(user) -> QuerySet[PartRequest]:
    """The clerk's work list: confirmed requests and those waiting for a vendor's part."""
    waiting = [PartRequest.Status.CONFIRMED, PartRequest.Status.AWAITING_VENDOR]
    return visible_part_requests(user).filter(status__in=waiting).order_by("consent_at", "pk")


def open_rmas(user) -> QuerySet[Rma]:
    """RMAs still moving: claimed ones, and received ones whose defective part is not back,
    the nearest return deadline first."""
    return (
        visible_rmas(user)
        .filter(status__in=[Rma.Status.CLAIMED, Rma.Status.RECEIVED])
        .order_by("return_due_at", "claimed_at")
    )


def overdue_rmas(queryset: QuerySet[Rma], *, now: dt.datetime | None = None) -> QuerySet[Rma]:
    now = now or timezone.now()
    return queryset.filter(Q(status=Rma.Status.RECEIVED, return_due_at__lt=now) | Q(returned_at__gt=F("return_due_at")))


def rma_history(user, *, vendor_id: int | None = None, serial: str = "") -> QuerySet[Rma]:
    """RMA history, per vendor and per serial number (the good or the faulty one)."""
    rows = visible_rmas(user)
    if vendor_id:
        rows = rows.filter(vendor_id=vendor_id)
    serial = (serial or "").strip().upper()
    if serial:
        rows = rows.filter(Q(good_serial=serial) | Q(faulty_serial=serial))
    return rows


def stock_table(user) -> list[dict]:
    """Per warehouse: each part's on-hand, reserved and available quantities."""
    table: dict[int, dict] = {}
    for balance in visible_balances(user).filter(on_hand__gt=0):
        entry = table.setdefault(balance.warehouse_id, {"warehouse": balance.warehouse, "rows": []})
        entry["rows"].append(balance)
    return list(table.values())


def ledger_totals() -> dict[tuple[int, int], tuple[int, int]]:
    """Every (warehouse, part) balance recomputed from the ledger: the truth the balances keep."""
    rows = StockMovement.objects.values("warehouse_id", "part_id").annotate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    return {(r["warehouse_id"], r["part_id"]): (r["on_hand"], r["reserved"]) for r in rows}


# --- the monthly RMA summary -----------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month in Beijing time, as aware datetimes [start, end)."""
    start = dt.datetime(year, month, 1, tzinfo=BEIJING)
    last = calendar.monthrange(year, month)[1]
    return start, start + dt.timedelta(days=last)


@dataclass
class BranchSummary:
    warehouse: Warehouse
    received: list[Rma] = field(default_factory=list)
    returned: list[Rma] = field(default_factory=list)
    overdue: list[Rma] = field(default_factory=list)


def monthly_summary(year: int, month: int, *, now: dt.datetime | None = None) -> list[BranchSummary]:
    """Per branch: the good parts received in the month (serials, RMA numbers), the defective
    parts shipped back in it, and the overdue ones: still out past their due time at the month's
    end (or now, if earlier), or shipped back late since the month began."""
    start, end = month_bounds(year, month)
    cutoff = min(end, now or timezone.now())
    rows = Rma.objects.select_related("vendor", "part", "warehouse")
    by_branch: dict[int, BranchSummary] = {
        w.pk: BranchSummary(w) for w in Warehouse.objects.filter(is_active=True).order_by("-kind", "code")
    }

    def branch(rma: Rma) -> BranchSummary:
        return by_branch.setdefault(rma.warehouse_id, BranchSummary(rma.warehouse))

    for rma in rows.filter(good_received_at__gte=start, good_received_at__lt=end).order_by("good_received_at"):
        branch(rma).received.append(rma)
    for rma in rows.filter(returned_at__gte=start, returned_at__lt=end).order_by("returned_at"):
        branch(rma).returned.append(rma)
    # Still out past its due time, or shipped back late during the month (or after it).
    late = rows.filter(return_due_at__lt=cutoff).filter(
        Q(returned_at__isnull=True, status=Rma.Status.RECEIVED)
        | Q(returned_at__gt=F("return_due_at"), returned_at__gte=start)
    )
    for rma in late.order_by("return_due_at"):
        branch(rma).overdue.append(rma)
    return list(by_branch.values())


def vendor_master_list(vendor_id: int, start: dt.date, end: dt.date) -> QuerySet[Rma]:
    """The vendor's master list: every RMA claimed from it between two days (inclusive)."""
    since = dt.datetime.combine(start, dt.time(0), tzinfo=BEIJING)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=BEIJING)
    return (
        Rma.objects.filter(vendor_id=vendor_id, claimed_at__gte=since, claimed_at__lt=until)
        .select_related("vendor", "part", "warehouse", "case")
        .order_by("claimed_at", "pk")
    )
