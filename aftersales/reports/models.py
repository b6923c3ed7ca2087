from __future__ import annotations

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
