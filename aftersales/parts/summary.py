"""The monthly RMA summary (每月末): on the last working day of the month, headquarters gets the
month's RMAs per branch — received with serials and RMA numbers, returned, overdue — by e-mail,
the Excel workbook attached (and linked)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.notifications import rendering
from aftersales.notifications.services import queue_notification, users_with_role
from aftersales.parts.models import Warehouse
from aftersales.parts.notices import RMA_SUMMARY
from aftersales.parts.queries import monthly_summary
from aftersales.parts.services import is_last_working_day_of_month


def headquarters_recipients() -> list:
    """The HQ store's clerks, else every parts clerk; and the service-centre managers."""
    hq = Warehouse.objects.filter(kind=Warehouse.Kind.HQ).first()
    clerks = list(hq.clerks.filter(is_active=True)) if hq is not None else []
    if not clerks:
        clerks = list(users_with_role(Role.PARTS_CLERK))
    managers = list(users_with_role(Role.CENTRE_MANAGER))
    return list({user.pk: user for user in clerks + managers}.values())


@transaction.atomic
def send_monthly_summary_if_due(*, today: dt.date) -> int:
    """Queue the summary on the month's last working day, once per month and recipient
    (however often the task runs that day). Returns the number of notifications queued."""
    if not is_last_working_day_of_month(today):
        return 0
    month = f"{today.year:04d}-{today.month:02d}"
    rows = [
        {
            "warehouse": summary.warehouse.name,
            "received": len(summary.received),
            "returned": len(summary.returned),
            "overdue": len(summary.overdue),
        }
        for summary in monthly_summary(today.year, today.month, now=timezone.now())
    ]
    url = rendering.site_url(reverse("parts:summary_export") + f"?month={month}")
    queued = queue_notification(
        kind=RMA_SUMMARY,
        recipients=headquarters_recipients(),
        subject=f"RMA {month}",
        payload={"month": month, "rows": rows, "url": url},
        dedupe_key=f"rma-summary:{month}",
    )
    return len(queued)
