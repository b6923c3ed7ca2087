"""On-site service (现场服务, R5): visits to a case's site, their service reports and open points.

A visit's `status` moves only through `aftersales.field.workflow.VISIT_WORKFLOW`; a report is
written once (its idempotency key is unique) and never changed; each open point of a report
opens one follow-up case (`OpenPoint.case` is unique).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visit(models.Model):
    """One trip of one or more engineers to the case's site (R5.1)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        EN_ROUTE = "en_route", _("On the way")
        ON_SITE = "on_site", _("On site")
        WORKING = "working", _("Symptom confirmed, working")
        COMPLETED = "completed", _("Work completed")
        CONFIRMED = "confirmed", _("Result confirmed")
        CHECKED_OUT = "checked_out", _("Checked out")
        CANCELLED = "cancelled", _("Cancelled")

    class ConfirmedBy(models.TextChoices):
        CUSTOMER = "customer", _("The customer")
        NOC = "noc", _("The NOC (at night)")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="visits", verbose_name=_("case"))
    engineers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="field_visits", verbose_name=_("engineers")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    planned_departure_at = models.DateTimeField(_("planned departure"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("dispatched by")
    )
    created_at = models.DateTimeField(_("dispatched"), default=timezone.now, editable=False)
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True, editable=False)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True, editable=False)
    # Where the phone said it was at check-in, when the browser allowed it (never required).
    arrival_latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    arrival_longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    arrival_accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True, editable=False)
    symptom_confirmed_at = models.DateTimeField(_("symptom confirmed"), null=True, blank=True, editable=False)
    symptom_confirmed_by = models.CharField(_("symptom confirmed by"), max_length=100, blank=True, editable=False)
    symptom = models.TextField(_("symptom as confirmed"), max_length=5000, blank=True, editable=False)
    work_done = models.TextField(_("work done"), max_length=10000, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    result_confirmed_at = models.DateTimeField(_("result confirmed"), null=True, blank=True, editable=False)
    result_confirmed_by = models.CharField(_("result confirmed by"), max_length=100, blank=True, editable=False)
    result_confirmed_kind = models.CharField(
        _("confirmed by"), max_length=10, choices=ConfirmedBy.choices, blank=True, editable=False
    )
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["planned_departure_at", "pk"]
        indexes = [
            models.Index(fields=["case", "planned_departure_at"], name="visit_case_idx"),
            models.Index(fields=["planned_departure_at"], name="visit_planned_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {timezone.localtime(self.planned_departure_at):%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status not in (self.Status.CHECKED_OUT, self.Status.CANCELLED)


class ReportKind(models.TextChoices):
    """The service reports of R5.2 (S0, S2)."""

    REPAIR = "repair", _("On-site repair report (现场维修报告)")
    COMMISSIONING = "commissioning", _("On-site commissioning report (现场调试报告)")
    USER_SERVICE = "user_service", _("User service report (用户服务报告)")


class TestResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    PARTLY = "partly", _("Partly passed")
    FAILED = "failed", _("Failed")


class ServiceReport(models.Model):
    """A signed service report of a visit: written once, never changed, printed as a PDF."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="reports", verbose_name=_("visit"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    # From the form: a second submission of the same form (a retry after a dropped
    # connection) finds the report the first made instead of making another.
    idempotency_key = models.UUIDField(_("idempotency key"), unique=True, default=uuid.uuid4, editable=False)
    work_done = models.TextField(_("work done"), max_length=10000)
    started_at = models.DateTimeField(_("work started"))
    finished_at = models.DateTimeField(_("work finished"))
    # [{"name": …, "part_number": …, "serial_number": …, "quantity": n}], checked by the service.
    materials = models.JSONField(_("parts and materials used"), default=list, blank=True)
    test_result = models.CharField(_("test result"), max_length=10, choices=TestResult.choices)
    test_notes = models.TextField(_("test notes"), max_length=5000, blank=True)
    customer_signer = models.CharField(_("signed by (customer)"), max_length=100)
    customer_signature = models.BinaryField(_("customer's signature (PNG)"), editable=False)
    engineer_signature = models.BinaryField(_("engineer's signature (PNG)"), editable=False)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("engineer")
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")
        ordering = ["submitted_at", "pk"]
        constraints = [
            # One report of each kind per visit: a second form filled in by mistake is refused.
            models.UniqueConstraint(fields=["visit", "kind"], name="service_report_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.visit.case.number}"

    @property
    def case(self):
        return self.visit.case

    @property
    def number(self) -> str:
        """How people name the report: the case number, the visit and the kind."""
        return f"{self.visit.case.number}-V{self.visit_id}-{self.kind}"


class OpenPoint(models.Model):
    """遗留问题: something left open in a signed report; it opens a case of its own (R5.3)."""

    report = models.ForeignKey(
        ServiceReport, on_delete=models.PROTECT, related_name="open_points", verbose_name=_("report")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("open point"), max_length=2000)
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opened_from_point",
        verbose_name=_("case opened"),
    )

    class Meta:
        verbose_name = _("open point")
        verbose_name_plural = _("open points")
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "position"], name="open_point_position_unique")]

    def __str__(self) -> str:
        return self.text[:50]
