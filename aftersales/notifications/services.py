"""Queue notifications in the outbox, in the caller's transaction. The worker delivers them
(aftersales/notifications/delivery.py); docs/notifications.md describes the whole path."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.notifications import registry
from aftersales.notifications.models import Notification, NotificationPreference

log = logging.getLogger(__name__)


def users_with_role(role: Role):
    return get_user_model().objects.filter(is_active=True, groups__name=role.value).distinct()


def queue_notification(
    *, kind: str, recipients: Iterable, subject: str, case=None, payload: dict | None = None, dedupe_key: str = ""
) -> list[Notification]:
    """Write one request per staff recipient; with a dedupe key, a recipient gets it only once.

    The worker passes each request on to the channels the recipient chose (docs/notifications.md).
    Returns the rows written. The unique constraint settles a race between two writers. The
    kind must be one an app registered for staff (registry.py); anything else is an error here,
    in the writer's transaction, not a failure in the worker later.
    """
    if registry.get(kind).audience != registry.Audience.STAFF:
        raise ValueError(f"{kind!r} is not a notification kind for staff members")
    recipients = list(recipients)
    if dedupe_key:
        already = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
        recipients = [user for user in recipients if user.pk not in already]
    now = timezone.now()  # one moment for one event: its group-chat message is sent once
    rows = [
        Notification(
            kind=kind,
            recipient=user,
            case=case,
            subject=subject[:200],
            payload=payload or {},
            dedupe_key=dedupe_key,
            created_at=now,
            next_attempt_at=now,
        )
        for user in recipients
    ]
    if rows:
        wake_worker()
    if dedupe_key:
        return Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return Notification.objects.bulk_create(rows)


def wake_worker() -> None:
    """Once the transaction commits, ask the worker to deliver now rather than within a minute.

    Once per transaction: one delivery sends all it wrote (loading the demo wrote hundreds of
    rows, and queued as many deliveries)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is _enqueue_delivery for _ids, func, *_ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_delivery)


HISTORY_NOTE = "history: loaded after the fact, not sent"


def record_as_history(*, cases) -> int:
    """Mark the outbox rows of `cases` not sent yet as not to be sent; returns how many.

    For a past loaded after the fact, as the demo's weeks of cases are, opened and worked
    through the services: what they queued then (acknowledgements, assignments, escalations)
    has long been lived through by its recipients, and mailing it on the worker's first minute
    would tell them old news as new. The rows stay in the outbox, skipped, saying why; whatever
    happens to these cases from now on is notified as usual.
    """
    return Notification.objects.filter(case__in=cases, status=Notification.Status.PENDING).update(
        status=Notification.Status.SKIPPED, last_error=HISTORY_NOTE
    )


def _enqueue_delivery() -> None:
    from aftersales.notifications.tasks import deliver_soon

    try:
        deliver_soon()
    except Exception:  # the queue may be down; the minute task delivers anyway
        log.warning("could not wake the worker; the periodic delivery will send the outbox", exc_info=True)


def save_preferences(*, user, events, channels, quiet_start=None, quiet_end=None) -> NotificationPreference:
    """Store a staff member's choices: events (notification kinds), channels, quiet hours."""
    row, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "events": sorted(events),
            "channels": [via for via in NotificationPreference.Via.values if via in channels],
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
        },
    )
    return row
