"""Who reads the KPIs and the dashboard, who writes, reviews and issues the service reports
(called from `ReportsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import MANAGERS, Role

REPORT_READERS = MANAGERS | {Role.EXECUTIVE, Role.ADMIN}
# Report reviewers: the managers above the duty desk and the executives.
REPORT_REVIEWERS = frozenset({Role.DEPT_MANAGER, Role.CENTRE_MANAGER, Role.EXECUTIVE})
REPORT_ISSUERS = frozenset({Role.DEPT_MANAGER, Role.CENTRE_MANAGER})
# Who is e-mailed an issued report (with its PDF and workbook attached).
REPORT_RECIPIENTS = MANAGERS

VIEW = "reports.view"
WRITE = "reports.write"
REVIEW = "reports.review"
ISSUE = "reports.issue"


def register() -> None:
    policy.declare(
        VIEW,
        roles=REPORT_READERS,
        refused=_("Only managers and executives may see the reports."),
        description=_("See the KPI dashboard and export reports"),
    )
    policy.declare(
        WRITE,
        roles=MANAGERS,
        refused=_("Only managers may write service reports."),
        description=_("Write a service report's narrative and send it for review"),
    )
    policy.declare(
        REVIEW,
        roles=REPORT_REVIEWERS,
        refused=_("Your role may not review service reports."),
        description=_("Approve or reject a service report sent for review"),
    )
    policy.declare(
        ISSUE,
        roles=REPORT_ISSUERS,
        refused=_("Your role may not issue service reports."),
        description=_("Issue an approved service report (PDF, workbook, e-mail)"),
    )


def managers_own_reports(rows, scope):
    """A customer's service reports are for their manager (the contact who sees the whole
    organisation's cases), never for a contact who sees only their own cases; and only once
    issued — a draft, or the report over all customers, is never shown to a customer."""
    from aftersales.reports.models import ReportStatus

    if not scope.contact.is_customer_manager:
        return rows.none()
    return rows.filter(customer_id=scope.customer_id, status=ReportStatus.ISSUED)


def register_scopes() -> None:
    from aftersales.reports.models import PeriodicReport

    policy.register_scope(PeriodicReport, managers_own_reports)
