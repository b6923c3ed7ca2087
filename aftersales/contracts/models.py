from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Coverage(models.TextChoices):
    """Service hours of a maintenance contract."""

    H7X24 = "7x24", _("7×24 (round the clock)")
    H5X24 = "5x24", _("5×24 (working days, round the clock)")
    H5X8 = "5x8", _("5×8 (working days, office hours)")


class ServiceLevel(models.TextChoices):
    PLATINUM = "platinum", _("Platinum")
    GOLD = "gold", _("Gold")
    STANDARD = "standard", _("Standard")


class ChargeStandard(models.Model):
    """收费标准: what the company charges for work outside warranty and contracts."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    hardware_repair_rate = models.DecimalField(
        _("hardware repair rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.12"),
        help_text=_("Share of the equipment's contract price charged for a hardware repair (0.12 = 12 %)."),
    )
    on_site_fee = models.DecimalField(_("on-site fee per visit"), max_digits=10, decimal_places=2, default=Decimal("0"))
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2, default=Decimal("0"))
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("charge standard")
        verbose_name_plural = _("charge standards")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceContract(models.Model):
    """维护协议: a maintenance agreement covering a list of equipment (设备代维明细表)."""

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200)
    coverage = models.CharField(_("coverage hours"), max_length=8, choices=Coverage.choices, default=Coverage.H5X8)
    service_level = models.CharField(
        _("service level"), max_length=16, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), help_text=_("Last day covered."))
    critical_round_the_clock = models.BooleanField(
        _("A/B faults round the clock"),
        default=False,
        help_text=_("Severity A and B faults are handled 7×24 even outside the coverage hours."),
    )
    annual_fee = models.DecimalField(_("annual fee"), max_digits=12, decimal_places=2, default=Decimal("0"))
    charge_standard = models.ForeignKey(
        ChargeStandard, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("charge standard")
    )
    equipment = models.ManyToManyField(
        "installed_base.Equipment", blank=True, related_name="contracts", verbose_name=_("covered equipment")
    )
    renewal_reminder_days = models.PositiveSmallIntegerField(_("renewal reminder (days before end)"), default=60)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        ordering = ["-end_date"]
        indexes = [models.Index(fields=["customer", "end_date"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    def is_in_force(self, on: dt.date) -> bool:
        return self.start_date <= on <= self.end_date
