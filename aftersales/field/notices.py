"""The field service's notification kinds (docs/notifications.md):

- `visit_planned`: each engineer sent on site is told where and when (a staff request);
- `service_report`: the signed report, as a PDF attached to an e-mail to the case's contact.
  The row is written with the report; the worker renders the PDF (if it is not ready yet) when
  it sends the mail, and tries again later while it cannot.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aftersales.cases.notices import case_kind, case_thread, note_failure_on_case, staff_url
from aftersales.core.mailids import make_message_id
from aftersales.customers.notices import DEFAULT_CONTACT_LANGUAGE, contact_address, contact_guard, contact_language
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.registry import AttachmentNotReady, Audience, MailAttachment, NotificationKind
from aftersales.notifications.services import queue_notification, wake_worker

VISIT_PLANNED = "visit_dispatched"
SERVICE_REPORT = "service_report"


def customer_language(case) -> str:
    """The language the customer reads: their contact's, Chinese otherwise."""
    return contact_language(case.contact) if case.contact_id else DEFAULT_CONTACT_LANGUAGE


# --- visit planned --------------------------------------------------------------------------------


def queue_visit_planned(visit, *, recipients) -> list[Notification]:
    when = timezone.localtime(visit.planned_departure_at).strftime("%Y-%m-%d %H:%M")
    return queue_notification(
        kind=VISIT_PLANNED,
        recipients=recipients,
        subject=f"[{visit.case.number}] {when} {visit.case.customer.name}",
        case=visit.case,
        payload={"visit": visit.pk},
        dedupe_key=f"visit-planned:{visit.pk}",
    )


def visit_planned_context(row: Notification) -> dict:
    from aftersales.field.models import Visit

    visit = Visit.objects.select_related("case__customer", "case__site").get(pk=row.payload["visit"])
    return {
        "visit": visit,
        "case": visit.case,
        "url": rendering.site_url(reverse("field:visit", args=[visit.pk])),
        "case_url": staff_url(visit.case),
    }


# --- the report to the customer ---------------------------------------------------------------------


def queue_report_mail(report, *, document) -> list[Notification]:
    """The signed report to the case's contact by e-mail, the PDF attached (once per report).
    Nothing is queued for a case without an active contact with an e-mail address."""
    case = report.visit.case
    contact = case.contact
    if contact is None or not contact.is_active or contact.customer_id != case.customer_id:
        return []
    address = contact_address(contact, Channel.EMAIL)
    if not address:
        return []
    now = timezone.now()
    row = Notification(
        kind=SERVICE_REPORT,
        contact=contact,
        case=case,
        channel=Channel.EMAIL,
        address=address,
        language=contact_language(contact),
        subject=f"[{case.number}] {report.get_kind_display()}"[:200],  # replaced by the rendered subject
        payload={"report": report.pk, "document": document.pk},
        dedupe_key=f"service-report:{report.pk}",
        message_id=make_message_id(case.number),
        created_at=now,
        next_attempt_at=now,
    )
    wake_worker()
    return Notification.objects.bulk_create([row], ignore_conflicts=True)


def render_report_mail(row: Notification) -> rendering.Rendered:
    from aftersales.field.models import ServiceReport

    report = ServiceReport.objects.select_related("visit__case__customer").get(pk=row.payload["report"])
    context = {"report": report, "case": report.visit.case, "contact": row.contact}
    return rendering.render(SERVICE_REPORT, context, row.language or DEFAULT_CONTACT_LANGUAGE)


def report_mail_guard(row: Notification) -> str:
    """Only to a contact of the report's customer, at their current address."""
    return contact_guard(row, customer_id=row.case.customer_id if row.case is not None else None)


def report_attachments(row: Notification) -> list[MailAttachment]:
    """The report's PDF. Still pending: rendered here, in the worker (idempotent); failed or
    gone: a new version is asked for and the mail waits for it."""
    from aftersales.documents.models import Document
    from aftersales.documents.services import download_name, render_document, request_document
    from aftersales.field.models import ServiceReport

    document = Document.objects.filter(pk=row.payload.get("document")).first()
    if document is not None and document.status == Document.Status.PENDING:
        document = render_document(document.pk)
    if document is None or document.status != Document.Status.READY:
        report = ServiceReport.objects.get(pk=row.payload["report"])
        again = request_document(
            kind=document.kind if document else "service_report",
            subject=report,
            language=row.language or DEFAULT_CONTACT_LANGUAGE,
            audience=document.audience if document else "customer",
            by=None,
        )
        Notification.objects.filter(pk=row.pk).update(payload={**row.payload, "document": again.pk})
        raise AttachmentNotReady(f"document {again.pk} is being generated")
    with document.file.open("rb") as pdf:
        return [MailAttachment(download_name(document), pdf.read(), "application/pdf")]


def register() -> None:
    registry.register(case_kind(VISIT_PLANNED, gettext_lazy("On-site visit planned for you"), visit_planned_context))
    registry.register(
        NotificationKind(
            name=SERVICE_REPORT,
            label=gettext_lazy("Service report to the customer"),
            audience=Audience.CONTACT,
            render=render_report_mail,
            guard=report_mail_guard,
            on_failure=note_failure_on_case,
            thread=case_thread,
            attachments=report_attachments,
        )
    )
