"""The figures of a service report, computed by `kpis` (never derived again here) and written as
plain JSON: what the report page shows while it is a draft, and what is frozen into the report
when it is issued, so its PDF and its workbook never move afterwards.

Dates are ISO text in UTC in the JSON; `workbook` turns them back into real dates (Beijing
wall-clock time, as the exports do) and writes numbers as numbers, one sheet per section."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.cases.models import Case, Severity, Status
from aftersales.reports import dashboard, exports, kpis
from aftersales.reports.kpis import NOT_COUNTED, Period, Summary
from aftersales.sla.models import ClockKind

# The service's targets for its rates (考核目标): a rate at or above its target is met.
TARGETS: dict[str, float] = {
    "repair": 0.95,
    "customer_repair": 0.95,
    "response": 0.98,
    "first_contact": 0.95,
    "sign_off": 0.98,
    "progress": 0.90,
}
AVAILABILITY_TARGET = 0.999


def report_cases(customer_id: int | None) -> QuerySet[Case]:
    """The cases a report counts: one customer's, or every customer's; never cancelled or merged."""
    cases = Case.objects.exclude(status__in=NOT_COUNTED)
    return cases.filter(customer_id=customer_id) if customer_id else cases


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment else None


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def compute(*, customer_id: int | None, period: Period, kind: str, as_of: dt.datetime) -> dict[str, Any]:
    """Every section of the report for `period`, read at `as_of`."""
    cases = report_cases(customer_id)
    summary = kpis.summary(cases, period, as_of=as_of)
    opened = kpis.opened_in(cases, period).select_related("customer").order_by("opened_at", "pk")
    return {
        "kind": kind,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "as_of": _iso(as_of),
        "counts": _counts(summary, opened),
        "kpis": _kpis(summary),
        "outcomes": _outcomes(opened),
        # The overall report counts every customer's cases but lists none of them: a month of
        # all customers is tens of thousands of rows, which belong in the per-customer reports
        # and the queue's export.
        "cases": [_case(case) for case in opened] if customer_id else [],
        "breaches": _breaches(cases, period, as_of=as_of),
        "majors": _majors(cases, summary),
        "availability": _availability(cases, period, as_of=as_of),
        "by_severity": [[value, count] for value, count in kpis.faults_by(cases, period, "severity")],
    }


def _counts(summary: Summary, opened: QuerySet[Case]) -> dict[str, Any]:
    return {
        "cases": opened.count(),
        "faults": len(summary.faults),
        "customer_reported": len(summary.customer_reported),
        "no_restore_limit": len(summary.no_restore_limit),
        "complaints": len(summary.complaints),
        "major_count": summary.major.count,
        "major_hours": _hours(summary.major.total_minutes),
    }


def _kpis(summary: Summary) -> list[dict[str, Any]]:
    rows = []
    for key, _label, _figure in dashboard.RATES:
        ratio = dashboard.ratio_of(summary, key)
        target = TARGETS[key]
        rows.append(
            {
                "key": key,
                "rate": ratio.rate,
                "timely": len(ratio.timely),
                "late": len(ratio.late),
                "pending": len(ratio.pending),
                "target": target,
                "met": None if ratio.rate is None else ratio.rate >= target,
            }
        )
    return rows


def _outcomes(opened: QuerySet[Case]) -> list[list[Any]]:
    rows = opened.order_by().values("status").annotate(n=Count("pk")).order_by("status")
    return [[row["status"], row["n"]] for row in rows]


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "customer": str(case.customer),
        "severity": case.severity,
        "kind": case.kind,
        "status": case.status,
        "title": case.title,
        "opened_at": _iso(case.opened_at),
        "resolved_at": _iso(case.resolved_at),
    }


def _breaches(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> list[dict[str, Any]]:
    clocks = list(exports.breached_clocks(cases, period))
    by_pk = cases.select_related("customer").in_bulk({clock.subject_id for clock in clocks})
    rows = []
    for clock in clocks:
        case = by_pk[clock.subject_id]
        rows.append(
            {
                "clock": clock.pk,
                "number": case.number,
                "customer": str(case.customer),
                "severity": case.severity,
                "clock_kind": clock.kind,
                "started_at": _iso(clock.started_at),
                "due_at": _iso(clock.due_at),
                "breached_at": _iso(clock.breached_at),
                "met_at": _iso(clock.met_at),
                "hours_late": exports.hours_between(clock.due_at, clock.met_at or as_of),
            }
        )
    return rows


def _majors(cases: QuerySet[Case], summary: Summary) -> list[dict[str, Any]]:
    majors = cases.filter(pk__in=list(summary.major.minutes)).select_related("customer").order_by("opened_at", "pk")
    return [_case(case) | {"hours": _hours(summary.major.minutes[case.pk])} for case in majors]


def _availability(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> list[dict[str, Any]]:
    from aftersales.customers.models import Customer
    from aftersales.installed_base.models import Equipment

    rows = kpis.availability(cases, period, as_of=as_of)
    equipment = Equipment.objects.in_bulk([row.equipment_id for row in rows])
    customers = Customer.objects.in_bulk([row.customer_id for row in rows])
    return [
        {
            "equipment": str(equipment.get(row.equipment_id) or f"#{row.equipment_id}"),
            "customer": str(customers.get(row.customer_id) or ""),
            "rate": round(row.rate, 6),
            "outage_hours": _hours(row.outage_minutes),
            "target": AVAILABILITY_TARGET,
        }
        for row in rows
    ]


# --- reading the figures -----------------------------------------------------------------

KPI_LABELS = {key: label for key, label, _figure in dashboard.RATES}
COUNT_LABELS = {
    "cases": gettext_lazy("Cases opened"),
    "faults": gettext_lazy("Faults"),
    "customer_reported": gettext_lazy("Customer-reported faults"),
    "no_restore_limit": gettext_lazy("Faults without a restore limit"),
    "complaints": gettext_lazy("Complaints"),
    "major_count": gettext_lazy("Major faults"),
    "major_hours": gettext_lazy("Major faults, hours"),
}


def moment(text: str | None) -> dt.datetime | None:
    """An ISO time of the figures as Beijing wall-clock time (for the PDF and Excel)."""
    return exports.local(dt.datetime.fromisoformat(text)) if text else None


def percent(rate: float | None, digits: int = 1) -> str:
    return "—" if rate is None else f"{rate * 100:.{digits}f} %"


def readable(figures: dict[str, Any], reasons: dict[str, str]) -> dict[str, Any]:
    """The figures with labels and local times, for the report page and the PDF."""
    statuses, severities, clocks = dict(Status.choices), dict(Severity.choices), dict(ClockKind.choices)

    def case_row(row: dict) -> dict:
        return row | {
            "opened": moment(row["opened_at"]),
            "resolved": moment(row["resolved_at"]),
            "status_label": statuses.get(row["status"], row["status"]),
        }

    return {
        # In the labels' order: PostgreSQL's jsonb does not keep the keys in the order written.
        "counts": [(label, figures["counts"][key]) for key, label in COUNT_LABELS.items() if key in figures["counts"]],
        "kpis": [
            row
            | {"label": KPI_LABELS[row["key"]], "shown": percent(row["rate"]), "target_shown": percent(row["target"])}
            for row in figures["kpis"]
        ],
        "outcomes": [(statuses.get(status, status), n) for status, n in figures["outcomes"]],
        "cases": [case_row(row) for row in figures["cases"]],
        "breaches": [
            row
            | {
                "clock_label": clocks.get(row["clock_kind"], row["clock_kind"]),
                "due": moment(row["due_at"]),
                "breached": moment(row["breached_at"]),
                "reason": reasons.get(str(row["clock"]), ""),
            }
            for row in figures["breaches"]
        ],
        "majors": [case_row(row) for row in figures["majors"]],
        "availability": [row | {"shown": percent(row["rate"], 3)} for row in figures["availability"]],
        "by_severity": [(severities.get(value, value or _("Unknown")), n) for value, n in figures["by_severity"]],
    }


def workbook(figures: dict[str, Any], reasons: dict[str, str], narrative: list[tuple[str, str]]) -> IO[bytes]:
    """The report as Excel: one sheet per section, numbers as numbers, dates as dates."""
    from openpyxl import Workbook

    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    shown = readable(figures, reasons)

    def sheet(title: str, header: list[str], rows: list[list[Any]]) -> None:
        page = book.create_sheet(title[:31])
        page.append(header)
        for row in rows:
            page.append(row)
            for cell in page[page.max_row]:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = exports.DATE_FORMAT
                elif isinstance(cell.value, float):
                    cell.number_format = "0.00"
        page.freeze_panes = "A2"

    sheet(_("Summary"), [_("Figure"), _("Value")], [[str(label), value] for label, value in shown["counts"]])
    sheet(
        _("KPIs against targets"),
        [_("KPI"), _("Rate"), _("Target rate"), _("Timely"), _("Late"), _("Not yet decided"), _("Target met")],
        [
            [str(row["label"]), row["rate"], row["target"], row["timely"], row["late"], row["pending"], row["met"]]
            for row in shown["kpis"]
        ],
    )
    for page in book.worksheets[-1:]:
        for cells in page.iter_rows(min_row=2, min_col=2, max_col=3):
            for cell in cells:
                cell.number_format = "0.0%"
    sheet(_("Outcomes"), [_("Status"), _("Cases")], [[str(label), n] for label, n in shown["outcomes"]])
    if figures["cases"]:
        sheet(
            _("Cases"),
            [_("Number"), _("Customer"), _("Severity"), _("Status"), _("Title"), _("Opened"), _("Resolved")],
            [
                [
                    r["number"],
                    r["customer"],
                    r["severity"],
                    str(r["status_label"]),
                    r["title"],
                    r["opened"],
                    r["resolved"],
                ]
                for r in shown["cases"]
            ],
        )
    sheet(
        _("Breaches"),
        [_("Number"), _("Customer"), _("Severity"), _("Clock"), _("Due"), _("Breached"), _("Hours late"), _("Reason")],
        [
            [
                r["number"],
                r["customer"],
                r["severity"],
                str(r["clock_label"]),
                r["due"],
                r["breached"],
                r["hours_late"],
                r["reason"],
            ]
            for r in shown["breaches"]
        ],
    )
    sheet(
        _("Major faults"),
        [_("Number"), _("Customer"), _("Title"), _("Opened"), _("Resolved"), _("Hours down")],
        [[r["number"], r["customer"], r["title"], r["opened"], r["resolved"], r["hours"]] for r in shown["majors"]],
    )
    sheet(
        _("System availability"),
        [_("System"), _("Customer"), _("Availability"), _("Hours down"), _("Target rate")],
        [[r["equipment"], r["customer"], r["rate"], r["outage_hours"], r["target"]] for r in shown["availability"]],
    )
    if narrative:
        sheet(_("Narrative"), [_("Section"), _("Text")], [[str(label), text] for label, text in narrative])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    book.save(out)
    out.seek(0)
    return out
