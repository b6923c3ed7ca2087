"""What the customer portal adds: self-registrations. (Its urgent call-back requests are
`cases.CallbackRequest`, part of intake.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.customers.models import validate_phone


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
