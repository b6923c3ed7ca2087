"""The service reports of a month or a quarter, per customer and over all customers (R9.2).

The worker makes them as drafts on the first working day of the period (`generate_due`); a
manager writes the quarterly narrative and the breaches' reasons (`save_narrative`) and sends
the report for review (`submit_for_review`, the approvals mechanism, kind `reports.issue`);
another report reviewer approves or rejects it; once approved a manager issues it (`issue`):
its figures are frozen into the row, its Chinese PDF is made through the documents mechanism
and the managers are e-mailed both the PDF and the Excel workbook through the outbox. A
customer's manager downloads their own company's issued reports in the portal.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request
from aftersales.approvals.registry import Notice, Policy
from aftersales.approvals.registry import register as register_approval
from aftersales.calendars.business_time import is_open
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.core.errors import NotAllowed
from aftersales.customers.models import Customer
from aftersales.documents.models import Audience, Document
from aftersales.documents.queries import documents_of, get_visible_document
from aftersales.documents.registry import DocumentKind, register_kind
from aftersales.documents.services import document_response, request_document
from aftersales.reports import exports, figures, notices
from aftersales.reports import permissions as perms
from aftersales.reports.kpis import SHANGHAI, Period
from aftersales.reports.models import NARRATIVE_FIELDS, NARRATIVE_LABELS, PeriodicReport, PeriodKind, ReportStatus
from aftersales.timeline import services as timeline
from aftersales.timeline.registry import register as register_entry

KIND = "reports.service_report"
APPROVAL = "reports.issue"
LANGUAGE = "zh-hans"
QUARTER_MONTHS = (1, 4, 7, 10)
# Timeline kinds written on a report.
CREATED, EDITED, ISSUED = "report.created", "report.edited", "report.issued"


def period_of(report: PeriodicReport) -> Period:
    start = report.period_start
    if report.period_kind == PeriodKind.QUARTER:
        return Period.quarter(start.year, (start.month - 1) // 3 + 1)
    return Period.month(start.year, start.month)


# --- the schedule ------------------------------------------------------------------------


def is_first_working_day(day: dt.date) -> bool:
    """The first day of `day`'s month on which the working-day calendar (5×24) is open."""
    calendar = working_calendar(BusinessCalendar.objects.get(code="5x24"))
    first = day.replace(day=1)
    while not is_open(dt.datetime.combine(first, dt.time(12), tzinfo=SHANGHAI), calendar):
        first += dt.timedelta(days=1)
    return first == day


def due_periods(day: dt.date) -> list[tuple[str, Period]]:
    """What is made on `day`: on a month's first working day the month before; on the first
    working day of January, April, July and October also the quarter before."""
    if not is_first_working_day(day):
        return []
    month = Period.month(day.year, day.month).previous_month()
    due = [(PeriodKind.MONTH.value, month)]
    if day.month in QUARTER_MONTHS:
        due.append((PeriodKind.QUARTER.value, Period.quarter(month.first.year, month.quarter_number)))
    return due


def generate_due(*, at: dt.datetime) -> list[PeriodicReport]:
    """The worker's daily run: the reports due on `at`'s local day (none on other days)."""
    made: list[PeriodicReport] = []
    for kind, period in due_periods(timezone.localdate(at, SHANGHAI)):
        made += generate(period, kind=kind, at=at)
    return made


def generate(period: Period, *, kind: str = PeriodKind.MONTH, at: dt.datetime) -> list[PeriodicReport]:
    """The draft reports of `period`: one over all customers and one per active customer with
    cases opened in it. Idempotent: a report already made (one row per kind, period and
    customer, kept by the database) is not made again; returns those made now."""
    customers = Customer.objects.filter(
        is_active=True, cases__opened_at__gte=period.start, cases__opened_at__lt=period.end
    ).distinct()
    made = []
    for customer in [None, *customers]:
        with transaction.atomic():
            report, created = PeriodicReport.objects.get_or_create(
                period_kind=kind, period_start=period.first, customer=customer, defaults={"created_at": at}
            )
            if created:
                timeline.record(report, actor=None, kind=CREATED, data={"period": report.period_label}, at=at)
                made.append(report)
    return made


# --- writing and reviewing ----------------------------------------------------------------


def _locked(report: PeriodicReport) -> PeriodicReport:
    return PeriodicReport.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def save_narrative(*, report: PeriodicReport, by, sections: dict[str, str], reasons: dict[str, str]) -> PeriodicReport:
    """Write the narrative sections (quarterly reports) and the breaches' reasons.

    Guarantees: only a holder of `reports.write`; only while the report is a draft (sent for
    review, approved or issued, its words are frozen: NotAllowed); the change is recorded on
    the report's timeline with the names of the sections changed."""
    policy.require(by, perms.WRITE, report)
    locked = _locked(report)
    if locked.status != ReportStatus.DRAFT:
        raise NotAllowed(_("Only a draft report can be changed."))
    changed = []
    for name in NARRATIVE_FIELDS if locked.is_quarterly else ():
        text = (sections.get(name) or "").strip()
        if text != getattr(locked, name):
            setattr(locked, name, text)
            changed.append(name)
    cleaned = {str(key): text.strip() for key, text in reasons.items() if text and text.strip()}
    if cleaned != locked.breach_reasons:
        locked.breach_reasons = cleaned
        changed.append("breach_reasons")
    if changed:
        locked.save(update_fields=changed)
        timeline.record(locked, actor=by, kind=EDITED, data={"fields": changed})
    return locked


@transaction.atomic
def submit_for_review(*, report: PeriodicReport, by) -> PeriodicReport:
    """Send a draft for review. A quarterly report needs all five narrative sections written
    (NotAllowed naming the empty ones, per field). The approvals mechanism checks the sender
    (`reports.write`) and keeps one pending request per report."""
    locked = _locked(report)
    if locked.status != ReportStatus.DRAFT:
        raise NotAllowed(_("Only a draft report can be sent for review."))
    if locked.is_quarterly:
        empty = {name: [_("Write this section before sending the report for review.")] for name in NARRATIVE_FIELDS}
        empty = {name: errors for name, errors in empty.items() if not getattr(locked, name).strip()}
        if empty:
            raise NotAllowed(_("The quarterly report needs every narrative section."), fields=empty)
    approvals.request_approval(kind=APPROVAL, subject=locked, by=by, evidence={"period": locked.period_label})
    locked.status, locked.submitted_by, locked.submitted_at = ReportStatus.IN_REVIEW, by, timezone.now()
    locked.save(update_fields=["status", "submitted_by", "submitted_at"])
    return locked


def pending_review(report: PeriodicReport) -> Request | None:
    return approvals.requests_for(report, kind=APPROVAL).filter(status=Request.Status.PENDING).first()


def review(*, report: PeriodicReport, by, approve: bool, note: str = "") -> PeriodicReport:
    """Approve or reject the pending review (approvals.decide: the reviewer's right, once)."""
    request = pending_review(report)
    if request is None:
        raise NotAllowed(_("This report is not awaiting review."))
    approvals.decide(request=request, by=by, approve=approve, note=note)
    return PeriodicReport.objects.get(pk=report.pk)


def _on_approved(request: Request, by) -> None:
    report = PeriodicReport.objects.select_for_update().get(pk=request.subject_id)
    report.status, report.reviewed_by, report.reviewed_at = ReportStatus.APPROVED, by, request.decided_at
    report.save(update_fields=["status", "reviewed_by", "reviewed_at"])


def _on_rejected(request: Request, by) -> None:
    # Back to the writer: a draft again, editable, with the reviewer's note on the timeline.
    report = PeriodicReport.objects.select_for_update().get(pk=request.subject_id)
    report.status, report.reviewed_by, report.reviewed_at = ReportStatus.DRAFT, by, request.decided_at
    report.save(update_fields=["status", "reviewed_by", "reviewed_at"])


def may_review(user, request: Request | None) -> bool:
    """A holder of `reports.review` who did not send the report for review themself."""
    if not policy.allowed(user, perms.REVIEW):
        return False
    return request is None or request.requester_id != user.pk


@transaction.atomic
def issue(*, report: PeriodicReport, by) -> PeriodicReport:
    """Issue an approved report.

    Guarantees: only a holder of `reports.issue`, only an approved report (a draft, one in
    review or one issued already: NotAllowed); the figures are computed now and frozen into the
    row — the PDF and the workbook are made from them and never move afterwards; the Chinese
    PDF is queued (documents mechanism); the managers' e-mail with the PDF and the workbook
    attached is queued in the outbox; all in one transaction, recorded on the timeline."""
    policy.require(by, perms.ISSUE, report)
    locked = _locked(report)
    if locked.status != ReportStatus.APPROVED:
        raise NotAllowed(_("Only an approved report can be issued."))
    now = timezone.now()
    locked.figures = figures.compute(
        customer_id=locked.customer_id, period=period_of(locked), kind=locked.period_kind, as_of=now
    )
    locked.status, locked.issued_by, locked.issued_at = ReportStatus.ISSUED, by, now
    locked.save(update_fields=["figures", "status", "issued_by", "issued_at"])
    audience = Audience.CUSTOMER if locked.customer_id else Audience.STAFF
    document = request_document(kind=KIND, subject=locked, language=LANGUAGE, audience=audience, by=by)
    timeline.record(locked, actor=by, kind=ISSUED, data={"document": document.pk})
    notices.queue_report_issued(locked, document=document)
    return locked


# --- reading --------------------------------------------------------------------------------


def current_figures(report: PeriodicReport) -> dict[str, Any]:
    """The frozen figures of an issued report; a draft's are computed now."""
    if report.is_issued and report.figures:
        return report.figures
    return figures.compute(
        customer_id=report.customer_id, period=period_of(report), kind=report.period_kind, as_of=timezone.now()
    )


def narrative(report: PeriodicReport) -> list[tuple[str, str]]:
    if not report.is_quarterly:
        return []
    return [(str(NARRATIVE_LABELS[name]), getattr(report, name)) for name in NARRATIVE_FIELDS]


def title(report: PeriodicReport) -> str:
    kind = _("Quarterly service report") if report.is_quarterly else _("Monthly service report")
    return f"{report.customer.name if report.customer else _('All customers')} · {kind} · {report.period_label}"


def build_context(*, subject: PeriodicReport, audience: str) -> dict[str, Any]:
    return {
        "report": subject,
        "title": title(subject),
        "period": period_of(subject),
        "figures": figures.readable(current_figures(subject), subject.breach_reasons),
        "narrative": narrative(subject),
    }


def workbook(report: PeriodicReport) -> IO[bytes]:
    return figures.workbook(current_figures(report), report.breach_reasons, narrative(report))


def file_stem(report: PeriodicReport) -> str:
    who = report.customer.code if report.customer else "all"
    return f"{who}-{report.period_label}-report"


def visible_reports(user) -> QuerySet[PeriodicReport]:
    """Staff holding `reports.view`: every report; a customer's manager: their own company's
    issued reports (the scope rule in permissions.py); anyone else: none."""
    reports = PeriodicReport.objects.select_related("customer")
    if policy.customer_scope(user).everything and not policy.allowed(user, perms.VIEW):
        return reports.none()
    return policy.scope(user, reports)


def get_visible_report(user, pk) -> PeriodicReport:
    try:
        return visible_reports(user).get(pk=int(pk))
    except (PeriodicReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def latest_pdf(report: PeriodicReport) -> Document | None:
    if not report.is_issued:
        return None
    audiences = [Audience.CUSTOMER, Audience.STAFF]
    return documents_of(report, audiences=audiences, kind=KIND).filter(status=Document.Status.READY).first()


def pdf_response(user, pk, document_pk):
    """The report's PDF, only if the report is one `user` may see (else the same 404)."""
    get_visible_report(user, pk)
    subjects = visible_reports(user).filter(pk=int(pk), status=ReportStatus.ISSUED)
    audiences = [Audience.CUSTOMER] if not policy.customer_scope(user).everything else Audience.values
    return document_response(get_visible_document(subjects, document_pk, audiences=audiences))


def xlsx_response(user, pk) -> FileResponse:
    """The workbook of a report `user` may see: issued ones for everyone, drafts for staff."""
    report = get_visible_report(user, pk)
    return FileResponse(
        workbook(report), as_attachment=True, filename=f"{file_stem(report)}.xlsx", content_type=exports.XLSX
    )


def register() -> None:
    register_kind(
        DocumentKind(
            name=KIND,
            model=PeriodicReport,
            template="reports/documents/service_report.html",
            build_context=build_context,
            filename=file_stem,
            label=gettext_lazy("Service report"),
        )
    )
    register_approval(
        Policy(
            kind=APPROVAL,
            label=gettext_lazy("Service report to issue"),
            requesters=perms.WRITE,
            deciders=may_review,
            on_approve=_on_approved,
            on_reject=_on_rejected,
            on_requested=Notice(
                kind=notices.REPORT_TO_REVIEW,
                recipients=notices.reviewers,
                subject=notices.review_subject,
                extra=lambda request: {"payload": {"report": request.subject_id}},
            ),
            refused_request=gettext_lazy("Your role may not send reports for review."),
            refused_decision=gettext_lazy(
                "Only a report reviewer other than the one who sent it for review may decide."
            ),
        )
    )
    register_entry(CREATED, label=gettext_lazy("Report drafted"))
    register_entry(EDITED, label=gettext_lazy("Report edited"))
    register_entry(ISSUED, label=gettext_lazy("Report issued"))
    notices.register()
