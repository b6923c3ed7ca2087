"""The worker's side of the outbox: claim due messages, send them, retry with back-off.

Claiming is a short transaction (SKIP LOCKED on PostgreSQL; SQLite's write lock serialises
it): the rows get a claim token and a lease, then are sent outside any transaction, so no
lock is held while a mail server answers. A row is marked sent only after the server has
accepted it. A worker that dies mid-send leaves rows whose lease lapses; they are sent again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.cases.events import case_event
from aftersales.cases.models import EventKind
from aftersales.customers.models import Contact
from aftersales.notifications.fanout import pass_on_due
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.senders import OutgoingMessage, Result, sender_for
from aftersales.timeline.services import record_many

Status = Notification.Status
LEASE = dt.timedelta(minutes=10)  # longer than any send may take (EMAIL_TIMEOUT, HTTP time-out)
MAX_BACKOFF_MINUTES = 60


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, 8, 16, 32, 60, 60 ... minutes."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Pass on due staff requests, then send every due message once. Safe to run in parallel."""
    now = now or timezone.now()
    counts: Counter = Counter(passed_on=pass_on_due(now=now, limit=limit))
    token = uuid.uuid4().hex
    for row in _claim(now, token, limit):
        result = attempt(row)
        counts[_record(row, result, token, now)] += 1
    return dict(counts)


def _ready(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, claimed_until__lt=now)


def _claim(now: dt.datetime, token: str, limit: int) -> list[Notification]:
    with transaction.atomic():
        due = Notification.objects.filter(_ready(now)).exclude(channel="").order_by("next_attempt_at", "pk")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            Notification.objects.filter(_ready(now), pk__in=ids).update(
                status=Status.SENDING, claim=token, claimed_until=now + LEASE
            )
    rows = Notification.objects.filter(claim=token, status=Status.SENDING).select_related(
        "case", "contact__user", "recipient"
    )
    return list(rows.order_by("pk"))


def attempt(row: Notification) -> Result:
    """Check the guards, then hand the message to its channel's sender."""
    refusal = guard(row)
    if refusal:
        return Result.permanent(refusal)
    if row.kind == Notification.Kind.ACKNOWLEDGEMENT and not row.body_text:
        _render(row)
    message = OutgoingMessage(
        channel=row.channel,
        address=row.address,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        message_id=row.message_id,
        headers=_thread_headers(row) if row.channel == Channel.EMAIL else {},
        params=row.payload.get("params", {}) if isinstance(row.payload, dict) else {},
    )
    return sender_for(row.channel).send(message)


def _render(row: Notification) -> None:
    """Render a message queued with its facts only (the acknowledgement) and keep the text."""
    from aftersales.notifications.acknowledge import render_acknowledgement

    rendered = render_acknowledgement(row)
    row.subject = rendered.subject
    row.body_text = rendered.text if row.channel == Channel.EMAIL else rendered.short
    row.body_html = rendered.html if row.channel == Channel.EMAIL else ""
    Notification.objects.filter(pk=row.pk).update(subject=row.subject, body_text=row.body_text, body_html=row.body_html)


def guard(row: Notification) -> str:
    """Why this message must not go out, or "".

    A customer's contact receives only mail about their own organisation's cases, at their
    current address, which no contact of another customer shares; staff messages go only to
    active staff members.
    """
    if row.contact_id is not None:
        contact = row.contact
        if not contact.is_active:
            return "the contact is no longer active"
        if row.case is None or contact.customer_id != row.case.customer_id:
            return "the contact does not belong to the case's customer"
        current = contact_address(contact, row.channel)
        if not current:
            return "the contact has no address for this channel any more"
        if current != row.address:
            Notification.objects.filter(pk=row.pk).update(address=current)
            row.address = current
        others = Contact.objects.exclude(customer_id=contact.customer_id)
        if row.channel == Channel.EMAIL and others.filter(email__iexact=current).exists():
            return "the address also belongs to a contact of another customer"
        if row.channel == Channel.SMS and others.filter(mobile=current).exists():
            return "the number also belongs to a contact of another customer"
    elif row.recipient_id is not None:
        if not row.recipient.is_active or not row.recipient.is_staff_member:
            return "the recipient is not an active staff member"
    elif row.kind == Notification.Kind.PORTAL_REGISTRATION:
        # The answer to whoever registered in the portal: to the address they gave, about nothing else.
        if row.channel != Channel.EMAIL or not row.address or row.case_id is not None:
            return "a registration answer goes by e-mail to the address given, about no case"
    elif row.channel not in (Channel.DINGTALK, Channel.WECOM, Channel.FEISHU):
        return "no recipient"
    return ""


def contact_address(contact: Contact, channel: str) -> str:
    if channel == Channel.EMAIL:
        return contact.email or (contact.user.email if contact.user_id else "")
    if channel == Channel.SMS:
        return contact.mobile
    return ""


def _thread_headers(row: Notification) -> dict[str, str]:
    """In-Reply-To / References: the earlier mail about this case to this address."""
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if row.case_id is None:
        return headers
    earlier = list(
        Notification.objects.filter(
            case_id=row.case_id,
            channel=Channel.EMAIL,
            address__iexact=row.address,
            pk__lt=row.pk,
            status__in=[Status.PENDING, Status.SENDING, Status.SENT],
        )
        .exclude(message_id="")
        .order_by("pk")
        .values_list("message_id", flat=True)
    )
    if earlier:
        chain = earlier if len(earlier) <= 10 else [earlier[0], *earlier[-9:]]
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = " ".join(chain)
    return headers


def _record(row: Notification, result: Result, token: str, now: dt.datetime) -> str:
    """Write the outcome (only while the claim is still ours); returns sent, retry or failed."""
    mine = Notification.objects.filter(pk=row.pk, claim=token)
    attempts = row.attempts + 1
    if result.ok:
        mine.update(status=Status.SENT, sent_at=timezone.now(), attempts=attempts, claim="", last_error="")
        return "sent"
    too_old = now - row.created_at >= dt.timedelta(hours=settings.NOTIFY_GIVE_UP_HOURS)
    if result.retry and not too_old:
        mine.update(
            status=Status.PENDING,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            claim="",
            claimed_until=None,
            last_error=result.error[:2000],
        )
        return "retry"
    with transaction.atomic():
        if mine.update(status=Status.FAILED, attempts=attempts, claim="", last_error=result.error[:2000]):
            _note_failure(row, result.error, now)
    return "failed"


def _note_failure(row: Notification, error: str, now: dt.datetime) -> None:
    """An internal timeline entry on the case: people see that the customer was not told."""
    if row.case_id is None:
        return
    text = _("Could not deliver “%(subject)s” by %(channel)s to %(address)s: %(error)s") % {
        "subject": row.subject,
        "channel": row.get_channel_display(),
        "address": row.address,
        "error": error[:500],
    }
    record_many([case_event(row.case_id, kind=EventKind.NOTIFIED, at=now, text=text)])
