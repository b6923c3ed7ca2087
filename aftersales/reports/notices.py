"""The notification kind of the service reports (docs/notifications.md):

- `report_to_review`: a report was sent for review; to the report reviewers but its sender;
- `report_issued`: a report was issued; to the managers, by e-mail with its PDF and its Excel
  workbook attached (both made from the figures frozen at issue). The PDF is rendered by the
  worker when the mail is sent if it is not ready yet; while it cannot be, the mail waits.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import AttachmentNotReady, MailAttachment, NotificationKind
from aftersales.notifications.services import queue_notification, users_with_role

REPORT_ISSUED = "report_issued"
REPORT_TO_REVIEW = "report_to_review"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def recipients() -> list:
    from aftersales.reports.permissions import REPORT_RECIPIENTS

    users = [user for role in sorted(REPORT_RECIPIENTS) for user in users_with_role(role)]
    return list({user.pk: user for user in users}.values())


def reviewers(request) -> list:
    """Who may decide a review request: the report reviewers, less the one who sent it."""
    from aftersales.reports.permissions import REPORT_REVIEWERS

    users = [user for role in sorted(REPORT_REVIEWERS) for user in users_with_role(role)]
    return [user for user in {user.pk: user for user in users}.values() if user.pk != request.requester_id]


def review_subject(request) -> str:
    from aftersales.reports.service_reports import title

    return title(_report_of_request(request))


def _report_of_request(request):
    from aftersales.reports.models import PeriodicReport

    return PeriodicReport.objects.select_related("customer").get(pk=request.subject_id)


def report_to_review_context(row: Notification) -> dict:
    return report_issued_context(row)


def queue_report_issued(report, *, document) -> list[Notification]:
    """Once per report and manager, in the issuing transaction."""
    from aftersales.reports.service_reports import title

    return queue_notification(
        kind=REPORT_ISSUED,
        recipients=recipients(),
        subject=title(report),
        payload={"report": report.pk, "document": document.pk},
        dedupe_key=f"report-issued:{report.pk}",
    )


def _report(row: Notification):
    from aftersales.reports.models import PeriodicReport

    return PeriodicReport.objects.select_related("customer").get(pk=row.payload["report"])


def report_issued_context(row: Notification) -> dict:
    from aftersales.reports.service_reports import title

    report = _report(row)
    return {
        "report": report,
        "title": title(report),
        "url": rendering.site_url(reverse("reports:report", args=[report.pk])),
    }


def report_attachments(row: Notification) -> list[MailAttachment]:
    """The issued report's PDF and workbook. A PDF still pending is rendered here (idempotent);
    a failed one is asked for again and the mail waits for it."""
    from aftersales.documents.models import Document
    from aftersales.documents.services import download_name, render_document, request_document
    from aftersales.reports.service_reports import file_stem, workbook

    report = _report(row)
    document = Document.objects.filter(pk=row.payload.get("document")).first()
    if document is not None and document.status == Document.Status.PENDING:
        document = render_document(document.pk)
    if document is None or document.status != Document.Status.READY:
        again = request_document(
            kind=document.kind if document else "reports.service_report",
            subject=report,
            language=document.language if document else "zh-hans",
            audience=document.audience if document else "staff",
            by=None,
        )
        Notification.objects.filter(pk=row.pk).update(payload={**row.payload, "document": again.pk})
        raise AttachmentNotReady(f"document {again.pk} is being generated")
    with document.file.open("rb") as pdf:
        pdf_bytes = pdf.read()
    with workbook(report) as book:
        xlsx_bytes = book.read()
    return [
        MailAttachment(download_name(document), pdf_bytes, "application/pdf"),
        MailAttachment(f"{file_stem(report)}.xlsx", xlsx_bytes, XLSX),
    ]


def register() -> None:
    registry.register(
        NotificationKind(
            name=REPORT_TO_REVIEW, label=gettext_lazy("Service report to review"), context=report_to_review_context
        )
    )
    registry.register(
        NotificationKind(
            name=REPORT_ISSUED,
            label=gettext_lazy("Service report issued"),
            context=report_issued_context,
            attachments=report_attachments,
        )
    )
