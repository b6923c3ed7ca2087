"""Contract operations that change state."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Role
from aftersales.contracts.models import ServiceContract
from aftersales.contracts.notices import CONTRACT_RENEWAL
from aftersales.notifications.services import queue_notification, users_with_role

# A reminder window longer than this is cut to it (the field allows up to 65535 days).
MAX_REMINDER_DAYS = 366


def contracts_due_for_renewal(today: dt.date) -> list[ServiceContract]:
    """Contracts in force whose end falls within their own reminder window."""
    horizon = today + dt.timedelta(days=MAX_REMINDER_DAYS)
    candidates = ServiceContract.objects.filter(start_date__lte=today, end_date__gte=today, end_date__lte=horizon)
    return [
        contract
        for contract in candidates.select_related("customer")
        if contract.end_date - dt.timedelta(days=contract.renewal_reminder_days) <= today
    ]


@transaction.atomic
def queue_renewal_reminders(*, today: dt.date) -> int:
    """Remind department managers and sales of contracts about to end (R1.4).

    Idempotent: each contract term (number + end date) is announced once per recipient,
    however often this runs.
    """
    recipients = list(users_with_role(Role.DEPT_MANAGER) | users_with_role(Role.SALES))
    queued = 0
    for contract in contracts_due_for_renewal(today):
        subject = _("Contract %(number)s of %(customer)s ends on %(end)s: renewal due") % {
            "number": contract.number,
            "customer": contract.customer,
            "end": contract.end_date.isoformat(),
        }
        rows = queue_notification(
            kind=CONTRACT_RENEWAL,
            recipients=recipients,
            subject=subject,
            payload={"contract": contract.number, "end_date": contract.end_date.isoformat()},
            dedupe_key=f"renewal:{contract.pk}:{contract.end_date.isoformat()}",
        )
        queued += len(rows)
    return queued
