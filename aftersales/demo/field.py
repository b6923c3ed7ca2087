"""The field service's part of the demo: a visit today for the demo engineer (李强), dispatched
by the duty manager through the field services, so "我的今日现场" has something to work on."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from aftersales.cases.models import Case, Severity, Status
from aftersales.field import services
from aftersales.field.models import Visit
from aftersales.notifications.services import record_as_history

if TYPE_CHECKING:
    from aftersales.demo.loading import DemoLoader

ENGINEER = "engineer"
DISPATCHER = "duty"
PURPOSE = "现场排查并更换故障板卡"


class FieldWriter:
    def __init__(self, loader: DemoLoader):
        self.loader = loader

    def write(self) -> Visit | None:
        """One visit planned today for the demo engineer on an open case at a customer's site;
        none if the engineer already has one (a second run changes nothing)."""
        engineer = self.loader.users[ENGINEER]
        if Visit.objects.filter(engineers=engineer).exists():
            return None
        case = self.case_to_visit()
        if case is None:
            return None
        visit = services.dispatch_visit(
            case=case,
            by=self.loader.users[DISPATCHER],
            engineers=[engineer],
            planned_departure_at=self.departure_today(),
            purpose=PURPOSE,
        )
        # Loading is not news: the notice to the engineer is history, like the cases' own.
        record_as_history(cases=[case])
        self.loader.report.add("visits", True)
        return visit

    def case_to_visit(self) -> Case | None:
        customers = list(self.loader.customers.values())
        return (
            Case.objects.filter(
                customer__in=customers,
                status__in=[Status.ACCEPTED, Status.IN_PROGRESS],
                site__isnull=False,
                severity__in=[Severity.A, Severity.B, Severity.C],
            )
            .order_by("severity", "opened_at", "pk")
            .first()
        )

    def departure_today(self) -> dt.datetime:
        """An hour from now, but today (Beijing time) whatever the hour of the seeding."""
        now = timezone.localtime()
        last_minute = now.replace(hour=23, minute=30, second=0, microsecond=0)
        return min(now + dt.timedelta(hours=1), max(last_minute, now))
