from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved, to issue")
    ISSUED = "issued", _("Issued")


# The narrative sections of the quarterly report (季报), in the order the report prints them.
NARRATIVE_FIELDS = ("customer_base", "services_delivered", "typical_cases", "problems", "next_plan")
NARRATIVE_LABELS = {
    "customer_base": _("Customer base"),
    "services_delivered": _("Services delivered"),
    "typical_cases": _("Typical cases"),
    "problems": _("Problems and suggestions"),
    "next_plan": _("Next quarter's plan"),
}


class PeriodicReport(models.Model):
    """The service report of one period (a month or a quarter), for one customer or — customer
    empty — for all customers (R9.2). Made as a draft by the worker; the manager writes the
    quarterly narrative and the reasons of the breaches, sends it for review (approvals
    mechanism), and once approved issues it: the figures are frozen into `figures` at that
    moment, and the PDF (documents mechanism) and the Excel workbook are made from them."""

    period_kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period"), help_text=_("The first day of the month or quarter reported on."))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
        help_text=_("Empty: the report over all customers."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    customer_base = models.TextField(_("Customer base"), blank=True, max_length=20000)
    services_delivered = models.TextField(_("Services delivered"), blank=True, max_length=20000)
    typical_cases = models.TextField(_("Typical cases"), blank=True, max_length=20000)
    problems = models.TextField(_("Problems and suggestions"), blank=True, max_length=20000)
    next_plan = models.TextField(_("Next quarter's plan"), blank=True, max_length=20000)
    # Why each clock was breached, by the clock's id (text written by the manager).
    breach_reasons = models.JSONField(_("reasons of the breaches"), default=dict, blank=True)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("sent for review"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    # The figures as they were at issue (reports.figures), so nothing moves afterwards.
    figures = models.JSONField(_("figures"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["-period_start", "period_kind", "customer"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "customer"],
                condition=Q(customer__isnull=False),
                name="report_once_per_customer_period",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_start"],
                condition=Q(customer__isnull=True),
                name="report_once_overall_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer or _('All customers')} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.QUARTER:
            return f"{self.period_start.year}-Q{(self.period_start.month - 1) // 3 + 1}"
        return f"{self.period_start:%Y-%m}"

    @property
    def is_quarterly(self) -> bool:
        return self.period_kind == PeriodKind.QUARTER

    @property
    def is_issued(self) -> bool:
        return self.status == ReportStatus.ISSUED


class ExportList(models.TextChoices):
    """The lists that export to Excel."""

    CASES = "cases", _("Case queue")
    BREACHES = "breaches", _("Breaches")
    VISITS = "visits", _("Visits")


class Export(models.Model):
    """A large Excel export made in the background for the one person who asked: the list, its
    filters as they were given, and the moment asked (the rows are the requester's as of then).
    The workbook itself is a document (kind `reports.export`) about this row; both go when the
    export expires."""

    list = models.CharField(_("list"), max_length=20, choices=ExportList.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="export_requester_idx")]

    def __str__(self) -> str:
        return f"{self.get_list_display()} {self.requested_at:%Y-%m-%d %H:%M}"
