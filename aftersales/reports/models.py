from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerMonthlyReport(models.Model):
    """The monthly service report of one customer (R9.2): the subject of its PDF (documents
    mechanism, kind `reports.customer_month`); its figures are computed from the records when
    rendered, its Excel copy when downloaded."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("monthly customer report")
        verbose_name_plural = _("monthly customer reports")
        ordering = ["-month", "customer"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="monthly_report_once_per_customer_month")
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.month:%Y-%m}"


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
