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

from aftersales.accounts import policy
from aftersales.core.errors import StorageUnavailable
from aftersales.notifications import registry
from aftersales.notifications.fanout import pass_on_due
from aftersales.notifications.models import IM_CHANNELS, Channel, Notification
from aftersales.notifications.rendering import Rendered
from aftersales.notifications.senders import OutgoingMessage, Result, sender_for

Status = Notification.Status
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
                status=Status.SENDING,
                claim=token,
                claimed_until=now + dt.timedelta(seconds=settings.NOTIFY_CLAIM_LEASE_SECONDS),
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
    kind = registry.get(row.kind)
    attachments: list[registry.MailAttachment] = []
    if kind.attachments is not None and row.channel == Channel.EMAIL:
        try:
            attachments = kind.attachments(row)
        except registry.AttachmentNotReady as error:
            return Result.transient(f"attachment not ready: {error}")
        except StorageUnavailable as error:  # the file store is down: the mail goes out later
            return Result.transient(f"attachment unreadable: {error}")
    if kind.render is not None and not row.body_text:
        _render(row, kind.render(row), keep=kind.keep_rendered)
    message = OutgoingMessage(
        attachments=tuple(attachments),
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


def _render(row: Notification, rendered: Rendered, *, keep: bool) -> None:
    """Fill in a message queued with its facts only (the acknowledgement, the invitation) and
    keep the text — or only its subject, for a kind whose text holds a secret."""
    row.subject = rendered.subject
    row.body_text = rendered.text if row.channel == Channel.EMAIL else rendered.short
    row.body_html = rendered.html if row.channel == Channel.EMAIL else ""
    kept = {"subject": row.subject}
    if keep:
        kept.update(body_text=row.body_text, body_html=row.body_html)
    Notification.objects.filter(pk=row.pk).update(**kept)


def guard(row: Notification) -> str:
    """Why this message must not go out, or "".

    Staff messages go only to active staff members, group-chat messages to the configured
    robots; a message to anyone else (a customer's contact, an address given) needs its kind's
    guard, which is asked in every case (a contact receives only mail about their own
    organisation, at their current address: see the owning app's notices).
    """
    try:
        kind = registry.get(row.kind)
    except registry.UnknownKind:
        return "no app declares this kind of notification"
    if row.recipient is not None:
        if not policy.allowed(row.recipient, "notifications.receive"):
            return "the recipient is not an active staff member"
    elif kind.guard is None and (row.contact_id is not None or row.channel not in IM_CHANNELS):
        return "no recipient"
    return kind.guard(row) if kind.guard is not None else ""


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
    """What the kind's app leaves behind (a note on the case): people see the message did not arrive."""
    try:
        kind = registry.get(row.kind)
    except registry.UnknownKind:
        return
    if kind.on_failure is not None:
        kind.on_failure(row, error, now)
