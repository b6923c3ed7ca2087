"""What each kind of notification says: one context function per kind, templates per kind.

Templates live in `notifications/<kind>-subject.txt`, `-body.txt`, `-body.html` and
`-sms.txt` (the short text for SMS and group chats; the subject when a kind has none). They
are rendered in the recipient's language and the site's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string, select_template
from django.urls import reverse
from django.utils import translation

from aftersales.notifications.models import Notification

Kind = Notification.Kind

# Clocks a customer understands as a promise (sign-off and progress are the desk's own).
CUSTOMER_TARGETS = ("response", "first_contact", "reply", "on_site", "restore", "fault_report")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    short: str


def render(kind: str, context: dict, language: str) -> Rendered:
    """The subject, plain text, HTML and short text of `kind` in `language`."""
    context = {"hotline": settings.HOTLINE_NUMBER, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/{kind}-subject.txt", context).split())
        text = render_to_string(f"notifications/{kind}-body.txt", context).strip() + "\n"
        html = render_to_string(f"notifications/{kind}-body.html", context)
        short_template = select_template([f"notifications/{kind}-sms.txt", "notifications/default-sms.txt"])
        short = " ".join(short_template.render({**context, "subject": subject}).split())
    return Rendered(subject[:200], text, html, short)


def staff_url(case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("case_detail", args=[case.number])


def next_target(case):
    """The case's running clock that a customer cares about and that is due first, or None."""
    return (
        case.clocks.filter(kind__in=CUSTOMER_TARGETS, met_at__isnull=True, stopped_at__isnull=True)
        .order_by("due_at")
        .first()
    )


# --- one function per kind: the template context -------------------------------------------


def case_assigned(request: Notification) -> dict:
    return {"case": request.case, "recipient": request.recipient, "url": staff_url(request.case)}


def major_case(request: Notification) -> dict:
    return {"case": request.case, "recipient": request.recipient, "url": staff_url(request.case)}


def escalation(request: Notification) -> dict:
    from aftersales.sla.escalation import Firing, describe
    from aftersales.sla.models import Escalation

    reason = ""
    escalation_pk = request.dedupe_key.removeprefix("escalation:")
    if escalation_pk.isdigit():
        fired = Escalation.objects.select_related("rule", "case", "clock").filter(pk=escalation_pk).first()
        if fired is not None:  # the reason in the recipient's language, not the sweep's
            reason = describe(fired.rule, Firing.of(fired))
    return {
        "case": request.case,
        "recipient": request.recipient,
        "url": staff_url(request.case),
        "rule": request.payload.get("rule", ""),
        "reason": reason,
        "fallback_subject": request.subject,
    }


def suspension_request(request: Notification) -> dict:
    assert request.case is not None  # queued with its case (cases/services.py)
    pending = request.case.suspension_requests.order_by("-pk").first()
    return {"case": request.case, "recipient": request.recipient, "url": staff_url(request.case), "request": pending}


def suspension_end(request: Notification) -> dict:
    assert request.case is not None  # queued with its case (sla/suspensions.py)
    suspension = request.case.suspension_requests.filter(pk=request.payload.get("request")).first()
    return {
        "case": request.case,
        "recipient": request.recipient,
        "url": staff_url(request.case),
        "request": suspension,
        "fallback_subject": request.subject,
    }


def holidays_missing(request: Notification) -> dict:
    years = "、".join(str(year) for year in request.payload.get("years", []))
    url = settings.SITE_URL.rstrip("/") + reverse("admin:calendars_holidayday_changelist")
    return {"recipient": request.recipient, "years": years, "url": url, "fallback_subject": request.subject}


def contract_renewal(request: Notification) -> dict:
    from aftersales.contracts.models import ServiceContract

    number = request.payload.get("contract", "")
    contract = ServiceContract.objects.select_related("customer").filter(number=number).first()
    return {
        "recipient": request.recipient,
        "contract": contract,
        "number": number,
        "end_date": request.payload.get("end_date", ""),
        "fallback_subject": request.subject,
    }


def mail_on_closed_case(request: Notification) -> dict:
    from aftersales.cases.models import Case

    follow_up = Case.objects.filter(number=request.payload.get("follow_up", "")).first()
    return {
        "case": request.case,
        "recipient": request.recipient,
        "url": staff_url(request.case),
        "follow_up": follow_up,
        "follow_up_url": staff_url(follow_up) if follow_up else "",
        "sender": request.payload.get("sender", ""),
    }


STAFF_CONTEXTS = {
    Kind.CASE_ASSIGNED: case_assigned,
    Kind.MAJOR_CASE: major_case,
    Kind.ESCALATION: escalation,
    Kind.SUSPENSION_REQUEST: suspension_request,
    Kind.SUSPENSION_END: suspension_end,
    Kind.HOLIDAYS_MISSING: holidays_missing,
    Kind.CONTRACT_RENEWAL: contract_renewal,
    Kind.MAIL_ON_CLOSED_CASE: mail_on_closed_case,
}


def render_request(request: Notification, language: str) -> Rendered:
    """A staff request rendered for its recipient (or an IM group) in `language`."""
    with translation.override(language):  # the context holds translated words too
        context = STAFF_CONTEXTS[Kind(request.kind)](request)
    return render(request.kind, context, language)
