from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.dates import add_months


class Vendor(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    tac_phone = models.CharField(_("TAC phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductModel(models.Model):
    class Category(models.TextChoices):
        TELEPHONY = "telephony", _("Telephony / PBX")
        ROUTER = "router", _("Router")
        SWITCH = "switch", _("Switch")
        SOFTWARE = "software", _("Software system")
        SERVER = "server", _("Server")
        OTHER = "other", _("Other")

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="models", verbose_name=_("vendor"))
    name = models.CharField(_("model"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    is_hardware = models.BooleanField(_("hardware"), default=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["vendor__name", "name"]
        constraints = [models.UniqueConstraint(fields=["vendor", "name"], name="product_model_unique_per_vendor")]

    def __str__(self) -> str:
        return f"{self.vendor} {self.name}"


class Equipment(models.Model):
    """One installed unit (or software installation) at a customer's site."""

    WARRANTY_MONTHS = 12

    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, verbose_name=_("product model"))
    # Copied from the product model so that "serial number unique per vendor" is a constraint.
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, editable=False, verbose_name=_("vendor"))
    serial_number = models.CharField(_("serial number"), max_length=64)
    hostname = models.CharField(_("host name"), max_length=100, blank=True)
    software_version = models.CharField(_("software version"), max_length=50, blank=True)
    site = models.ForeignKey(
        "customers.Site", on_delete=models.PROTECT, related_name="equipment", verbose_name=_("site")
    )
    # Copied from the site: every visibility query filters on it.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="equipment",
        editable=False,
        verbose_name=_("customer"),
    )
    install_date = models.DateField(_("install date"), null=True, blank=True)
    acceptance_date = models.DateField(
        _("acceptance date"), null=True, blank=True, help_text=_("验收合格; warranty starts here.")
    )
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=WARRANTY_MONTHS)
    contract_price = models.DecimalField(
        _("contract price (成交价)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["customer", "site", "product_model"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "serial_number"], name="equipment_serial_unique_per_vendor")
        ]

    def __str__(self) -> str:
        return f"{self.product_model} SN {self.serial_number}"

    def clean(self) -> None:
        super().clean()
        self.serial_number = (self.serial_number or "").strip().upper()
        if self.install_date and self.acceptance_date and self.acceptance_date < self.install_date:
            raise ValidationError({"acceptance_date": _("Acceptance cannot be before installation.")})
        if self.product_model_id and self.serial_number:
            clash = Equipment.objects.filter(
                vendor_id=self.product_model.vendor_id, serial_number=self.serial_number
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"serial_number": _("This vendor already has equipment with this serial number.")}
                )

    def save(self, *args, **kwargs):
        self.serial_number = (self.serial_number or "").strip().upper()
        self.vendor_id = self.product_model.vendor_id
        self.customer_id = self.site.customer_id
        super().save(*args, **kwargs)

    @property
    def warranty_end(self) -> dt.date | None:
        """The last day covered by the warranty, or None if never accepted."""
        if self.acceptance_date is None:
            return None
        anniversary = add_months(self.acceptance_date, self.warranty_months)
        if anniversary.day != self.acceptance_date.day:
            # No such day in that month (31 Jan + 1 month): the period ends on the month's
            # last day, as periods reckoned in months do in Chinese civil law.
            return anniversary
        return anniversary - dt.timedelta(days=1)
