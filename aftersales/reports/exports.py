"""Excel exports: the case queue with its filters, the breached clocks of a period, the visits. Real
numbers and dates (Beijing wall-clock time, as the readers expect), written by openpyxl in
write-only mode row by row from a database iterator into a temporary file, so memory stays flat
however many rows there are; the file is then streamed to the client."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from aftersales.cases.models import Case
from aftersales.field.models import Visit
from aftersales.reports.kpis import SHANGHAI, Period
from aftersales.sla.models import Clock, ClockKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = "0.00"
CHUNK = 2000


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(SHANGHAI).replace(tzinfo=None) if moment else None


def hours_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return round((end - start).total_seconds() / 3600, 2) if start and end else None


def write_workbook(title: str, header: list[str], rows: Iterable[list[Any]]) -> IO[bytes]:
    """One sheet, written row by row (write-only), into a temporary file rewound for reading.
    Datetimes get a date format, floats a number format."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, dt.datetime):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, float):
                cell.number_format = HOURS_FORMAT
            cells.append(cell)
        sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    book.save(out)
    out.seek(0)
    return out


def queue_header() -> list[str]:
    return [
        _("Number"),
        _("Opened"),
        _("Severity"),
        _("Kind"),
        _("Status"),
        _("Customer"),
        _("Title"),
        _("Owner"),
        _("Team"),
        _("Next deadline"),
        _("Resolved"),
        _("Closed"),
        _("Hours to resolve"),
    ]


def queue_rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """The queue's rows in its order (`cases.queries.queue`), read in chunks."""
    for case in cases.select_related("customer", "owner", "team").iterator(chunk_size=CHUNK):
        yield [
            case.number,
            local(case.opened_at),
            case.severity,
            case.get_kind_display(),
            case.status_label,
            str(case.customer),
            case.title,
            str(case.owner) if case.owner else "",
            str(case.team) if case.team else "",
            local(case.next_due_at),
            local(case.resolved_at),
            local(case.closed_at),
            hours_between(case.opened_at, case.resolved_at),
        ]


def breached_clocks(cases: QuerySet[Case], period: Period) -> QuerySet[Clock]:
    """Clocks of `cases` (already the reader's, filtered) breached in the period, oldest first."""
    return Clock.objects.filter(
        subject_id__in=cases.values("pk"), breached_at__gte=period.start, breached_at__lt=period.end
    ).order_by("breached_at", "pk")


def breaches_header() -> list[str]:
    return [
        _("Number"),
        _("Customer"),
        _("Severity"),
        _("Clock"),
        _("Started"),
        _("Due"),
        _("Breached"),
        _("Met"),
        _("Hours late"),
        _("Owner"),
    ]


def breaches_rows(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> Iterator[list[Any]]:
    """One row per breached clock; hours late until it was met (or until `as_of` if never)."""
    labels = dict(ClockKind.choices)
    for batch in _batches(breached_clocks(cases, period).iterator(chunk_size=CHUNK), CHUNK):
        by_pk = cases.select_related("customer", "owner").in_bulk({clock.subject_id for clock in batch})
        for clock in batch:
            case = by_pk[clock.subject_id]
            yield [
                case.number,
                str(case.customer),
                case.severity,
                str(labels.get(clock.kind, clock.kind)),
                local(clock.started_at),
                local(clock.due_at),
                local(clock.breached_at),
                local(clock.met_at),
                hours_between(clock.due_at, clock.met_at or as_of),
                str(case.owner) if case.owner else "",
            ]


def _batches(items: Iterator[Clock], size: int) -> Iterator[list[Clock]]:
    batch: list[Clock] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def visits_header() -> list[str]:
    return [
        _("Case"),
        _("Customer"),
        _("Status"),
        _("Purpose"),
        _("Engineers"),
        _("Planned departure"),
        _("Departed"),
        _("Arrived"),
        _("Completed"),
        _("Checked out"),
        _("Hours on site"),
    ]


def visits_rows(visits: QuerySet[Visit]) -> Iterator[list[Any]]:
    """One row per visit, planned departure first; the engineers' names read per chunk."""
    chosen = visits.select_related("case__customer").prefetch_related("engineers")
    for visit in chosen.order_by("planned_departure_at", "pk").iterator(chunk_size=CHUNK):
        yield [
            visit.case.number,
            str(visit.case.customer),
            visit.get_status_display(),
            visit.purpose,
            ", ".join(sorted(str(engineer) for engineer in visit.engineers.all())),
            local(visit.planned_departure_at),
            local(visit.departed_at),
            local(visit.arrived_at),
            local(visit.completed_at),
            local(visit.checked_out_at),
            hours_between(visit.arrived_at, visit.checked_out_at),
        ]
