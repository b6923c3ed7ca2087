"""Spreadsheets: the monthly RMA summary, the vendor's master list, and the charges for the
finance system (Excel with real numbers and dates; CSV for charges). Times in Beijing time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from aftersales.parts.models import Charge, Rma
from aftersales.parts.queries import BranchSummary

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

BEIJING = ZoneInfo("Asia/Shanghai")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"


def _local(moment):
    # openpyxl writes naive datetimes: Beijing wall-clock time, as the readers expect.
    return moment.astimezone(BEIJING).replace(tzinfo=None) if moment else None


def _workbook() -> Workbook:
    # openpyxl (requirements.txt) is imported when a workbook is made, not when the pages load.
    from openpyxl import Workbook

    return Workbook()


def _sheet(book: Workbook, title: str, header: list[str]) -> Worksheet:
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    return sheet


def _rma_row(rma: Rma) -> list:
    return [
        rma.warehouse.name,
        rma.number,
        rma.vendor.name,
        rma.part.part_number,
        rma.quantity,
        rma.good_serial,
        rma.faulty_serial,
        _local(rma.claimed_at),
        _local(rma.good_received_at),
        _local(rma.return_due_at),
        _local(rma.returned_at),
        rma.carrier,
        rma.waybill,
    ]


def _rma_header() -> list[str]:
    return [
        _("Branch"),
        _("RMA number"),
        _("Vendor"),
        _("Part number"),
        _("Quantity"),
        _("Good serial number"),
        _("Faulty serial number"),
        _("Claimed"),
        _("Good part received"),
        _("Defective part due back"),
        _("Defective part shipped"),
        _("Carrier"),
        _("Waybill number"),
    ]


def _dated(sheet: Worksheet, first_date_column: int, count: int) -> None:
    for row in sheet.iter_rows(min_row=2, min_col=first_date_column, max_col=first_date_column + count - 1):
        for cell in row:
            cell.number_format = DATE_FORMAT


def rma_summary_workbook(summaries: Iterable[BranchSummary], *, title: str) -> bytes:
    """One totals sheet per branch (received, returned, overdue) and one sheet per list."""
    book = _workbook()
    totals = book.active
    totals.title = _("Summary")[:31]
    totals.append([title])
    totals.append([_("Branch"), _("Received"), _("Returned"), _("Overdue")])
    summaries = list(summaries)
    for summary in summaries:
        totals.append([summary.warehouse.name, len(summary.received), len(summary.returned), len(summary.overdue)])
    for name, attribute in ((_("Received"), "received"), (_("Returned"), "returned"), (_("Overdue"), "overdue")):
        sheet = _sheet(book, name, _rma_header())
        for summary in summaries:
            for rma in getattr(summary, attribute):
                sheet.append(_rma_row(rma))
        _dated(sheet, 8, 4)
    return _save(book)


def rma_list_workbook(rmas: Iterable[Rma], *, title: str) -> bytes:
    book = _workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(_rma_header())
    for rma in rmas:
        sheet.append(_rma_row(rma))
    _dated(sheet, 8, 4)
    return _save(book)


def _charge_header() -> list[str]:
    return [
        _("Case"),
        _("Customer"),
        _("Quote"),
        _("Quoted"),
        _("Parts"),
        _("Total"),
        _("Recorded"),
        _("Parts used"),
    ]


def _charge_row(charge: Charge) -> list:
    used = "; ".join(f"{line['part']}×{line['quantity']}" for line in charge.parts)
    return [
        charge.case.number,
        charge.customer.name,
        charge.quote.number,
        charge.quoted_amount,
        charge.parts_amount,
        charge.total,
        _local(charge.created_at),
        used,
    ]


def charges_workbook(charges: Iterable[Charge]) -> bytes:
    book = _workbook()
    sheet = book.active
    sheet.title = _("Charges")[:31]
    sheet.append(_charge_header())
    for charge in charges:
        sheet.append(_charge_row(charge))
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=6):
        for cell in row:
            cell.number_format = MONEY_FORMAT
    _dated(sheet, 7, 1)
    return _save(book)


def charges_csv(charges: Iterable[Charge]) -> str:
    """UTF-8 CSV (with a byte-order mark for spreadsheet programs); amounts as plain decimals."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(_charge_header())
    for charge in charges:
        row = _charge_row(charge)
        row[6] = row[6].strftime("%Y-%m-%d %H:%M") if row[6] else ""
        writer.writerow([_csv_safe(value) for value in row])
    return out.getvalue()


def _csv_safe(value):
    # A text cell starting with = + - @ would be a formula in a spreadsheet: neutralised.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
