"""The acknowledgement every new case sends its customer (R2.4): case number, severity and
the next target time, by e-mail, and by SMS too for severity A and B when a mobile is known."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.core.mailids import make_message_id
from aftersales.notifications import rendering
from aftersales.notifications.delivery import contact_address
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.services import wake_worker
from aftersales.sla.models import Clock

DEFAULT_CONTACT_LANGUAGE = "zh-hans"


def contact_language(contact) -> str:
    """A contact's language: their login's, if they have one; Chinese otherwise."""
    return contact.user.language if contact.user_id and contact.user.language else DEFAULT_CONTACT_LANGUAGE


def queue_acknowledgement(case) -> list[Notification]:
    """Queue the acknowledgement of a just-opened case to its contact, in the caller's transaction.

    Nothing is queued without a contact, for an inactive one, or for one of another customer.
    The facts (next target and its due time) are frozen now; the worker renders the text, so
    an intake does not wait for templates.
    """
    contact = case.contact
    if contact is None or not contact.is_active or contact.customer_id != case.customer_id:
        return []
    target = rendering.next_target(case)
    urgent = case.severity in ("A", "B")
    now = timezone.now()
    payload = {
        "target": target.kind if target else "",
        "due_at": target.due_at.isoformat() if target else "",
        "params": {
            "case": case.number,
            "severity": case.severity,
            "due": timezone.localtime(target.due_at).strftime("%m-%d %H:%M") if target else "",
        },
    }
    common = {
        "kind": Notification.Kind.ACKNOWLEDGEMENT,
        "contact": contact,
        "case": case,
        "language": contact_language(contact),
        "subject": f"[{case.number}] {case.title}"[:200],  # replaced by the rendered subject
        "urgent": urgent,
        "payload": payload,
        "dedupe_key": f"ack:{case.pk}",
        "created_at": now,
        "next_attempt_at": now,
    }
    rows = []
    email = contact_address(contact, Channel.EMAIL)
    if email:
        rows.append(
            Notification(channel=Channel.EMAIL, address=email, message_id=make_message_id(case.number), **common)
        )
    if urgent and contact.mobile:
        rows.append(Notification(channel=Channel.SMS, address=contact.mobile, **common))
    if rows:
        wake_worker()
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)  # once per case, even if called twice


def render_acknowledgement(row: Notification) -> rendering.Rendered:
    """The acknowledgement of `row` in its language, with the facts frozen when it was queued."""
    target = None
    if row.payload.get("target"):
        target = Clock(kind=row.payload["target"], due_at=dt.datetime.fromisoformat(row.payload["due_at"]))
    context = {"case": row.case, "contact": row.contact, "target": target, "urgent": row.urgent}
    return rendering.render(Notification.Kind.ACKNOWLEDGEMENT, context, row.language or DEFAULT_CONTACT_LANGUAGE)
