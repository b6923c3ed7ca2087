"""What the customer portal adds: urgent call-back requests and self-registrations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Severity
from aftersales.customers.models import validate_phone


class CallbackRequest(models.Model):
    """An A or B fault reported in the portal. Such faults must come in by phone (R2.1), so
    no case is opened: the desk sees the request on top of its queue and calls back at once."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="callback_requests", verbose_name=_("customer")
    )
    contact = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, verbose_name=_("contact"))
    equipment = models.ForeignKey(
        "installed_base.Equipment", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("equipment")
    )
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    phone = models.CharField(_("call back on"), max_length=32, validators=[validate_phone])
    description = models.TextField(_("description"), max_length=5000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called back by"),
    )
    handled_at = models.DateTimeField(_("called back"), null=True, blank=True)

    class Meta:
        verbose_name = _("call-back request")
        verbose_name_plural = _("call-back requests")
        ordering = ["severity", "requested_at"]
        indexes = [models.Index(fields=["handled_at", "severity", "requested_at"], name="callback_pending_idx")]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_severity_display()}"


class Registration(models.Model):
    """A person who asked for portal access with an e-mail of a known domain; staff decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="registrations", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    position = models.CharField(_("position"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    contact = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("portal registration")
        verbose_name_plural = _("portal registrations")
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
