"""Who reads the KPIs and the dashboard (called from `ReportsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import MANAGERS, Role

REPORT_READERS = MANAGERS | {Role.EXECUTIVE, Role.ADMIN}


def register() -> None:
    policy.declare(
        "reports.view",
        roles=REPORT_READERS,
        refused=_("Only managers and executives may see the reports."),
        description=_("See the KPI dashboard and export reports"),
    )
