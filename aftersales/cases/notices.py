"""The case's notification kinds: assignment, major case, a suspension awaiting approval, and
the acknowledgement every new case sends its customer (R2.4) — and the case behaviour other apps' case kinds share: the
case link, urgency, the thread and the note a failed delivery leaves on the timeline.

Registered from CasesConfig.ready (docs/notifications.md).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.core.mailids import make_message_id
from aftersales.customers.notices import DEFAULT_CONTACT_LANGUAGE, contact_address, contact_guard, contact_language
from aftersales.deadlines import registry as deadline_kinds
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.registry import Audience, NotificationKind
from aftersales.notifications.services import wake_worker

CASE_ASSIGNED = "case_assigned"
MAJOR_CASE = "major_case"
ACKNOWLEDGEMENT = "acknowledgement"
SUSPENSION_REQUEST = "suspension_request"

URGENT_SEVERITIES = ("A", "B")
# Clocks a customer understands as a promise (sign-off and progress are the desk's own).
CUSTOMER_TARGETS = ("response", "first_contact", "reply", "on_site", "restore", "fault_report")


# --- shared by every kind about a case ----------------------------------------------------------


def staff_url(case) -> str:
    return rendering.site_url(reverse("case_detail", args=[case.number]))


def case_is_urgent(row: Notification) -> bool:
    """Severity A and B: never held for quiet hours."""
    return row.case is not None and row.case.severity in URGENT_SEVERITIES


def case_thread(row: Notification) -> str | None:
    return row.case.number if row.case is not None else None


def note_failure_on_case(row: Notification, error: str, now: dt.datetime) -> None:
    """An internal timeline entry on the case: people see that the message did not arrive."""
    from aftersales.cases.events import case_event
    from aftersales.cases.models import EventKind
    from aftersales.timeline.services import record_many

    if row.case_id is None:
        return
    text = _("Could not deliver “%(subject)s” by %(channel)s to %(address)s: %(error)s") % {
        "subject": row.subject,
        "channel": row.get_channel_display(),
        "address": row.address,
        "error": error[:500],
    }
    record_many([case_event(row.case_id, kind=EventKind.NOTIFIED, at=now, text=text)])


def case_kind(name: str, label, context, **options) -> NotificationKind:
    """A staff kind about a case: urgent by severity, threaded by case number, failures noted."""
    options = {"urgent": case_is_urgent, "thread": case_thread, "on_failure": note_failure_on_case, **options}
    return NotificationKind(name=name, label=label, context=context, **options)


def case_context(request: Notification) -> dict:
    return {"case": request.case, "url": staff_url(request.case)}


# --- the acknowledgement -------------------------------------------------------------------------


def next_target(case):
    """The case's running clock that a customer cares about and that is due first, or None."""
    started = getattr(case, "started_clocks", None)  # a case being opened: its clocks are at hand
    if started is not None:
        running = [
            c
            for c in started
            if c.kind in CUSTOMER_TARGETS and c.met_at is None and c.stopped_at is None and c.due_at is not None
        ]
        return min(running, key=lambda c: c.due_at, default=None)
    return (
        case.clocks.filter(kind__in=CUSTOMER_TARGETS, met_at__isnull=True, stopped_at__isnull=True)
        .order_by("due_at")
        .first()
    )


class FrozenTarget(NamedTuple):
    """The next target as the acknowledgement froze it: a clock kind and its due time."""

    kind: str
    due_at: dt.datetime

    def get_kind_display(self) -> str:
        """The clock's label as its owner declared the kind (aftersales.deadlines.registry)."""
        return deadline_kinds.label(self.kind)


def queue_acknowledgement(case) -> list[Notification]:
    """Queue the acknowledgement of a just-opened case to its contact, in the caller's transaction.

    Nothing is queued without a contact, for an inactive one, or for one of another customer.
    The facts (next target and its due time) are frozen now; the worker renders the text, so
    an intake does not wait for templates.
    """
    contact = case.contact
    if contact is None or not contact.is_active or contact.customer_id != case.customer_id:
        return []
    target = next_target(case)
    urgent = case.severity in URGENT_SEVERITIES
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
        "kind": ACKNOWLEDGEMENT,
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
        target = FrozenTarget(row.payload["target"], dt.datetime.fromisoformat(row.payload["due_at"]))
    context = {"case": row.case, "contact": row.contact, "target": target, "urgent": row.urgent}
    return rendering.render(ACKNOWLEDGEMENT, context, row.language or DEFAULT_CONTACT_LANGUAGE)


def acknowledgement_guard(row: Notification) -> str:
    """Only to a contact of the case's own customer, at their current address."""
    return contact_guard(row, customer_id=row.case.customer_id if row.case is not None else None)


def suspension_request_context(request: Notification) -> dict:
    assert request.case is not None  # queued with its case (cases/services/suspension.py)
    pending = request.case.suspension_requests.order_by("-pk").first()
    return {**case_context(request), "request": pending}


def register() -> None:
    registry.register(case_kind(MAJOR_CASE, gettext_lazy("Major case opened"), case_context))
    registry.register(
        case_kind(SUSPENSION_REQUEST, gettext_lazy("Suspension awaiting approval"), suspension_request_context)
    )
    registry.register(case_kind(CASE_ASSIGNED, gettext_lazy("Case assigned to you"), case_context))
    registry.register(
        NotificationKind(
            name=ACKNOWLEDGEMENT,
            label=gettext_lazy("Acknowledgement to the customer"),
            audience=Audience.CONTACT,
            render=render_acknowledgement,
            guard=acknowledgement_guard,
            on_failure=note_failure_on_case,
            thread=case_thread,
        )
    )
