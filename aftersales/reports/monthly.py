"""The monthly report per customer (R9.2): a PDF through the documents mechanism (kind
`reports.customer_month`, the customer's copy) and an Excel copy made on download, both
computed from the records of that customer's cases. The worker makes them on the first working
day of the month for the month before (`tasks.monthly_customer_reports`)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.calendars.business_time import is_open
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.cases.models import Case
from aftersales.customers.models import Customer
from aftersales.documents.models import Audience, Document
from aftersales.documents.queries import documents_of, get_visible_document
from aftersales.documents.registry import DocumentKind, register_kind
from aftersales.documents.services import document_response, request_document
from aftersales.reports import exports, kpis
from aftersales.reports.kpis import NOT_COUNTED, SHANGHAI, Period
from aftersales.reports.models import CustomerMonthlyReport

KIND = "reports.customer_month"
LANGUAGE = "zh-hans"


def customer_cases(customer_id: int) -> QuerySet[Case]:
    """The cases of one customer a report counts (the report is that customer's own)."""
    return Case.objects.filter(customer_id=customer_id).exclude(status__in=NOT_COUNTED)


def period_of(report: CustomerMonthlyReport) -> Period:
    return Period.month(report.month.year, report.month.month)


def is_first_working_day(day: dt.date) -> bool:
    """The first day of `day`'s month on which the working-day calendar (5×24) is open."""
    calendar = working_calendar(BusinessCalendar.objects.get(code="5x24"))
    first = day.replace(day=1)
    while not is_open(dt.datetime.combine(first, dt.time(12), tzinfo=SHANGHAI), calendar):
        first += dt.timedelta(days=1)
    return first == day


def generate(period: Period, *, at: dt.datetime) -> list[CustomerMonthlyReport]:
    """One report per active customer with cases opened in the period, once: asking again for a
    month already made changes nothing (a unique row per customer and month). Each new report's
    PDF is queued in the customer's copy, in Chinese."""
    made = []
    customers = Customer.objects.filter(
        is_active=True, cases__opened_at__gte=period.start, cases__opened_at__lt=period.end
    ).distinct()
    for customer in customers:
        with transaction.atomic():
            report, created = CustomerMonthlyReport.objects.get_or_create(
                customer=customer, month=period.first, defaults={"created_at": at}
            )
            if created:
                request_document(kind=KIND, subject=report, language=LANGUAGE, audience=Audience.CUSTOMER, by=None)
                made.append(report)
    return made


def build_context(*, subject: CustomerMonthlyReport, audience: str) -> dict[str, Any]:
    period = period_of(subject)
    cases = customer_cases(subject.customer_id)
    as_of = max(period.end, subject.created_at)
    summary = kpis.summary(cases, period, as_of=as_of)
    majors = Case.objects.filter(pk__in=list(summary.major.minutes)).order_by("opened_at")
    return {
        "report": subject,
        "customer": subject.customer,
        "period": period,
        "summary": summary,
        "rates": [
            (label, "—" if ratio.rate is None else f"{ratio.rate * 100:.1f} %", len(ratio.late), len(ratio.counted))
            for label, ratio in (
                (_("Fault repair timeliness"), summary.repair),
                (_("Customer-reported faults repaired in time"), summary.customer_repair),
                (_("Response timeliness"), summary.response),
                (_("Sign-off in time"), summary.sign_off),
                (_("Progress updates kept"), summary.progress),
            )
        ],
        "majors": [(case, summary.major.minutes[case.pk] / 60) for case in majors],
        "by_severity": kpis.faults_by(cases, period, "severity"),
        "availability": [
            (row, f"{row.rate * 100:.3f} %", row.outage_minutes / 60)
            for row in kpis.availability(cases, period, as_of=as_of)
        ],
        "cases": kpis.opened_in(cases, period).order_by("opened_at"),
    }


def workbook(report: CustomerMonthlyReport) -> IO[bytes]:
    """The report's cases of the month as Excel (the same columns as the queue's export)."""
    period = period_of(report)
    cases = kpis.opened_in(customer_cases(report.customer_id), period).order_by("opened_at", "pk")
    return exports.write_workbook(f"{report.month:%Y-%m}", exports.queue_header(), exports.queue_rows(cases))


def visible_reports(user) -> QuerySet[CustomerMonthlyReport]:
    """Staff holding `reports.view`: every customer's; a customer's manager: their own company's
    (the scope rule in permissions.py); anyone else: none."""
    reports = CustomerMonthlyReport.objects.select_related("customer")
    if policy.customer_scope(user).everything and not policy.allowed(user, "reports.view"):
        return reports.none()
    return policy.scope(user, reports)


def get_visible_report(user, pk) -> CustomerMonthlyReport:
    try:
        return visible_reports(user).get(pk=int(pk))
    except (CustomerMonthlyReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def latest_pdf(report: CustomerMonthlyReport) -> Document | None:
    return documents_of(report, audiences=[Audience.CUSTOMER], kind=KIND).filter(status=Document.Status.READY).first()


def pdf_response(user, pk, document_pk):
    """The report's PDF, only if the report is one `user` may see (else the same 404)."""
    get_visible_report(user, pk)
    subjects = visible_reports(user).filter(pk=int(pk))
    return document_response(get_visible_document(subjects, document_pk, audiences=[Audience.CUSTOMER]))


def xlsx_response(user, pk) -> FileResponse:
    report = get_visible_report(user, pk)
    return FileResponse(
        workbook(report),
        as_attachment=True,
        filename=f"{report.customer.code}-{report.month:%Y-%m}.xlsx",
        content_type=exports.XLSX,
    )


def register() -> None:
    register_kind(
        DocumentKind(
            name=KIND,
            model=CustomerMonthlyReport,
            template="reports/documents/customer_month.html",
            build_context=build_context,
            filename=lambda report: f"{report.customer.code}-{report.month:%Y-%m}-report",
        )
    )
