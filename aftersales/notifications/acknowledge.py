"""The acknowledgement every new case sends its customer (R2.4): case number, severity and
the next target time, by e-mail, and by SMS too for severity A and B when a mobile is known."""

from __future__ import annotations

from django.utils import timezone

from aftersales.core.mailids import make_message_id
from aftersales.notifications import rendering
from aftersales.notifications.delivery import contact_address
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.services import wake_worker

DEFAULT_CONTACT_LANGUAGE = "zh-hans"


def contact_language(contact) -> str:
    """A contact's language: their login's, if they have one; Chinese otherwise."""
    return contact.user.language if contact.user_id and contact.user.language else DEFAULT_CONTACT_LANGUAGE


def queue_acknowledgement(case) -> list[Notification]:
    """Queue the acknowledgement of a just-opened case to its contact, in the caller's transaction.

    Nothing is queued without a contact, for an inactive one, or for one of another customer.
    """
    contact = case.contact
    if contact is None or not contact.is_active or contact.customer_id != case.customer_id:
        return []
    language = contact_language(contact)
    context = rendering.acknowledgement(case, contact)
    rendered = rendering.render(Notification.Kind.ACKNOWLEDGEMENT, context, language)
    urgent = case.severity in ("A", "B")
    now = timezone.now()
    common = {
        "kind": Notification.Kind.ACKNOWLEDGEMENT,
        "contact": contact,
        "case": case,
        "language": language,
        "subject": rendered.subject,
        "urgent": urgent,
        "dedupe_key": f"ack:{case.pk}",
        "created_at": now,
        "next_attempt_at": now,
    }
    rows = []
    email = contact_address(contact, Channel.EMAIL)
    if email:
        rows.append(
            Notification(
                channel=Channel.EMAIL,
                address=email,
                body_text=rendered.text,
                body_html=rendered.html,
                message_id=make_message_id(case.number),
                **common,
            )
        )
    if urgent and contact.mobile:
        target = context["target"]
        params = {
            "case": case.number,
            "severity": case.severity,
            "due": timezone.localtime(target.due_at).strftime("%m-%d %H:%M") if target else "",
        }
        rows.append(
            Notification(
                channel=Channel.SMS,
                address=contact.mobile,
                body_text=rendered.short,
                payload={"params": params},
                **common,
            )
        )
    if rows:
        wake_worker()
    return Notification.objects.bulk_create(rows)
