"""The notification kinds of spare parts (docs/notifications.md), registered from
PartsConfig.ready:

- `part_request`: a part request needs a clerk (confirmed by the customer) or the engineer's
  hands (part issued), about a case;
- `return_offer_approval`: a return, exchange or refund awaits a manager's approval;
- `rma_monthly_summary`: the month's RMA summary, to headquarters on the last working day, the
  Excel workbook attached to the e-mail (built when it is sent);
- `rma_return_due_soon`: two working days left to ship an RMA's defective part back, to the
  branch's parts clerks (the return deadline's warning, docs/parts.md);
- `rma_return_overdue`: the defective part is not back in time, once, to the branch's parts
  clerks and the service-centre managers;
- `parts_customer_answer`: the case's contact is asked (by e-mail) to answer in the portal: a
  part request to confirm, a repair quote to accept or decline, an approved return, exchange or
  refund to agree to.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aftersales.cases.notices import case_context, case_kind
from aftersales.core.mailids import make_message_id
from aftersales.customers.notices import contact_address, contact_guard, contact_language
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.registry import Audience, MailAttachment, NotificationKind
from aftersales.notifications.services import queue_notification, users_with_role, wake_worker

PART_REQUEST = "part_request"
RETURN_OFFER_APPROVAL = "return_offer_approval"
RMA_SUMMARY = "rma_monthly_summary"
CUSTOMER_ANSWER = "parts_customer_answer"
RMA_RETURN_DUE_SOON = "rma_return_due_soon"
RMA_RETURN_OVERDUE = "rma_return_overdue"
# What the customer is asked to answer (payload "what").
ASK_PART_REQUEST, ASK_QUOTE, ASK_RETURN = "part_request", "quote", "return"


def part_request_context(request: Notification) -> dict:
    from aftersales.parts.models import PartRequest

    part_request = PartRequest.objects.select_related("part").filter(pk=request.payload.get("request")).first()
    return case_context(request) | {"part_request": part_request, "event": request.payload.get("event", "")}


def rma_summary_context(request: Notification) -> dict:
    return {
        "month": request.payload.get("month", ""),
        "rows": request.payload.get("rows", []),
        "url": request.payload.get("url", ""),
    }


def branch_clerks(rma) -> list:
    """The receiving branch's active parts clerks, else every parts clerk."""
    from aftersales.accounts.roles import Role

    clerks = list(rma.warehouse.clerks.filter(is_active=True))
    return clerks or list(users_with_role(Role.PARTS_CLERK))


def _rma_subject(rma) -> str:
    return f"RMA {rma.number} {rma.vendor.name}"[:200]


def queue_rma_return_due_soon(rma) -> list[Notification]:
    return queue_notification(
        kind=RMA_RETURN_DUE_SOON,
        recipients=branch_clerks(rma),
        subject=_rma_subject(rma),
        case=rma.case,
        payload={"rma": rma.pk},
        dedupe_key=f"rma-return-due-soon:{rma.pk}",
    )


def queue_rma_return_overdue(rma) -> list[Notification]:
    from aftersales.accounts.roles import Role

    recipients = branch_clerks(rma) + list(users_with_role(Role.CENTRE_MANAGER))
    return queue_notification(
        kind=RMA_RETURN_OVERDUE,
        recipients=list({user.pk: user for user in recipients}.values()),
        subject=_rma_subject(rma),
        case=rma.case,
        payload={"rma": rma.pk},
        dedupe_key=f"rma-return-overdue:{rma.pk}",
    )


def rma_context(row: Notification) -> dict:
    from aftersales.parts.models import Rma

    rma = Rma.objects.select_related("vendor", "part", "warehouse").filter(pk=row.payload.get("rma")).first()
    return {"rma": rma, "url": rendering.site_url(reverse("parts:rmas"))}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rma_summary_attachments(row: Notification) -> list[MailAttachment]:
    """The month's workbook (the one the summary page exports), built when the e-mail is sent.
    Its recipients are headquarters' clerks and the service-centre managers, who see every
    branch's RMAs."""
    from aftersales.parts.exports import rma_summary_workbook
    from aftersales.parts.queries import monthly_summary

    month = str(row.payload.get("month", ""))
    try:
        year, number = (int(part) for part in month.split("-"))
    except ValueError:
        return []
    body = rma_summary_workbook(monthly_summary(year, number), title=month)
    return [MailAttachment(f"rma-summary-{month}.xlsx", body, XLSX)]


def queue_customer_answer(*, case, what: str, reference: str) -> list[Notification]:
    """Ask the case's contact by e-mail to answer `what` (`reference`: its number) in the
    portal, in the caller's transaction, once per thing asked. Nothing without an active contact
    of the case's own customer with an e-mail address."""
    contact = case.contact
    if contact is None or not contact.is_active or contact.customer_id != case.customer_id:
        return []
    email = contact_address(contact, Channel.EMAIL)
    if not email:
        return []
    now = timezone.now()
    row = Notification(
        kind=CUSTOMER_ANSWER,
        channel=Channel.EMAIL,
        address=email,
        contact=contact,
        case=case,
        language=contact_language(contact),
        subject=f"[{case.number}]",  # replaced by the rendered subject
        payload={"what": what, "reference": reference},
        dedupe_key=f"parts-answer:{what}:{reference}",
        message_id=make_message_id(case.number),
        created_at=now,
        next_attempt_at=now,
    )
    wake_worker()
    return Notification.objects.bulk_create([row], ignore_conflicts=True)


def render_customer_answer(row: Notification) -> rendering.Rendered:
    case = row.case
    url = rendering.site_url(reverse("portal:case", args=[case.number])) if case is not None else ""
    context = {"case": case, "what": row.payload.get("what", ""), "reference": row.payload.get("reference", "")}
    return rendering.render(CUSTOMER_ANSWER, context | {"url": url}, row.language)


def customer_answer_guard(row: Notification) -> str:
    """Only to a contact of the case's own customer, at their current address."""
    return contact_guard(row, customer_id=row.case.customer_id if row.case is not None else None)


def register() -> None:
    registry.register(
        NotificationKind(
            name=CUSTOMER_ANSWER,
            label=gettext_lazy("Customer asked to answer (parts)"),
            audience=Audience.CONTACT,
            render=render_customer_answer,
            guard=customer_answer_guard,
            thread=lambda row: row.case.number if row.case is not None else None,
        )
    )
    registry.register(case_kind(PART_REQUEST, gettext_lazy("Part request"), part_request_context))
    registry.register(
        case_kind(RETURN_OFFER_APPROVAL, gettext_lazy("Return, exchange or refund to approve"), case_context)
    )
    registry.register(
        NotificationKind(
            name=RMA_RETURN_DUE_SOON, label=gettext_lazy("Defective part due back soon"), context=rma_context
        )
    )
    registry.register(
        NotificationKind(
            name=RMA_RETURN_OVERDUE, label=gettext_lazy("Defective part not back in time"), context=rma_context
        )
    )
    registry.register(
        NotificationKind(
            name=RMA_SUMMARY,
            label=gettext_lazy("Monthly RMA summary"),
            context=rma_summary_context,
            attachments=rma_summary_attachments,
        )
    )
