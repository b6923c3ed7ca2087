from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.customers.phones import InvalidPhone, normalise_phone


class ServiceOffice(models.Model):
    """A branch of the service company from which engineers travel to sites."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    city = models.CharField(_("city"), max_length=50)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("service office")
        verbose_name_plural = _("service offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """An organisation that owns installed equipment (a hospital, a bank, an operator)."""

    class Kind(models.TextChoices):
        OPERATOR = "operator", _("Telecom operator")
        HOSPITAL = "hospital", _("Hospital")
        BANK = "bank", _("Bank")
        GOVERNMENT = "government", _("Government")
        ENTERPRISE = "enterprise", _("Enterprise")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    is_key_account = models.BooleanField(_("key account"), default=False)
    email_domains = models.CharField(
        _("e-mail domains"), max_length=200, blank=True, help_text=_("Comma-separated, e.g. example.com")
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


def validate_phone(value: str) -> None:
    if not value:
        return
    try:
        normalise_phone(value)
    except InvalidPhone:
        raise ValidationError(
            _("“%(value)s” is not a valid phone number. Use e.g. 138 1234 5678, 021-6123 4567 or +86 21 6123 4567."),
            code="invalid_phone",
            params={"value": value},
        ) from None


class NormalisedPhonesMixin:
    """Stores the phone fields named in PHONE_FIELDS in their canonical form."""

    PHONE_FIELDS: tuple[str, ...] = ()

    def clean(self) -> None:
        super().clean()
        self.normalise_phones()

    def normalise_phones(self) -> None:
        for field in self.PHONE_FIELDS:
            value = getattr(self, field)
            if value:
                try:
                    setattr(self, field, normalise_phone(value))
                except InvalidPhone:
                    pass  # the field validator reports it

    def save(self, *args, **kwargs):
        self.normalise_phones()
        super().save(*args, **kwargs)


class Contact(NormalisedPhonesMixin, models.Model):
    """A person at a customer who may call the desk; optionally a portal user."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone], db_index=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, validators=[validate_phone], db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_customer_manager = models.BooleanField(
        _("customer's manager"), default=False, help_text=_("Sees every case of the organisation in the portal.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
        verbose_name=_("portal user"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    PHONE_FIELDS = ("phone", "mobile")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})"


class Site(NormalisedPhonesMixin, models.Model):
    """A place where a customer runs equipment."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sites", verbose_name=_("customer"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    region = models.CharField(_("region"), max_length=50, db_index=True)
    service_office = models.ForeignKey(
        ServiceOffice, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("nearest service office")
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])

    PHONE_FIELDS = ("phone",)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="site_unique_name_per_customer")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.name}"
