"""Queue notifications in the outbox. Delivery (e-mail, SMS, IM) is done by the worker."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from aftersales.accounts.roles import Role
from aftersales.notifications.models import Notification


def users_with_role(role: Role):
    return get_user_model().objects.filter(is_active=True, groups__name=role.value).distinct()


def queue_notification(
    *, kind: str, recipients: Iterable, subject: str, case=None, payload: dict | None = None, dedupe_key: str = ""
) -> list[Notification]:
    """Write one outbox row per recipient; with a dedupe key, a recipient gets it only once.

    Returns the rows written. The unique constraint settles a race between two writers.
    """
    recipients = list(recipients)
    if dedupe_key:
        already = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
        recipients = [user for user in recipients if user.pk not in already]
    rows = [
        Notification(
            kind=kind, recipient=user, case=case, subject=subject[:200], payload=payload or {}, dedupe_key=dedupe_key
        )
        for user in recipients
    ]
    if dedupe_key:
        return Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return Notification.objects.bulk_create(rows)
