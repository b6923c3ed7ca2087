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


def managers_own_reports(rows, scope):
    """A customer's monthly reports are for their manager (the contact who sees the whole
    organisation's cases), never for a contact who sees only their own cases."""
    if not scope.contact.is_customer_manager:
        return rows.none()
    return rows.filter(customer_id=scope.customer_id)


def register_scopes() -> None:
    from aftersales.reports.models import CustomerMonthlyReport

    policy.register_scope(CustomerMonthlyReport, managers_own_reports)
