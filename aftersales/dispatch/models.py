"""Dispatch: teams and engineers, the duty roster, assignment rules and proposals, how a case is
handled (A1/A2/A3, remote-login authorisations), tier raises, vendor and third-party cases, and
handovers between teams. Cases know none of this; dispatch builds on them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Tier, TierChange
from aftersales.installed_base.models import ProductModel

__all__ = [
    "AssignmentRule",
    "Engineer",
    "Handling",
    "Handover",
    "Proposal",
    "RemoteAuthorisation",
    "Shift",
    "ShiftSwap",
    "Team",
    "Tier",
    "TierChange",
    "VendorCase",
    "VendorCaseUpdate",
]


class Team(models.Model):
    """A group of staff that cases are routed to (a department or a support tier)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L1)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )
    region = models.CharField(_("region"), max_length=50, blank=True, help_text=_("e.g. 上海; empty: every region"))
    service_office = models.ForeignKey(
        "customers.ServiceOffice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
        verbose_name=_("service office"),
    )
    auto_assign = models.BooleanField(
        _("assign new cases automatically"),
        default=False,
        help_text=_("Give each new case to the proposed engineer at once; otherwise the proposal waits for a person."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name


def validate_categories(value: str) -> None:
    unknown = [c for c in split_categories(value) if c not in ProductModel.Category.values]
    if unknown:
        raise ValidationError(
            _("Unknown product categories: %(names)s. Use: %(known)s."),
            params={"names": ", ".join(unknown), "known": ", ".join(ProductModel.Category.values)},
            code="unknown_category",
        )


def split_categories(value: str) -> list[str]:
    return [c.strip() for c in (value or "").replace("，", ",").split(",") if c.strip()]


class Engineer(models.Model):
    """A staff member who can be given cases: where they work, what they know, whether they are
    available. Its row is the lock taken while a case is handed out, so two cases opened at
    once are never both given to the same idle engineer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dispatch_profile", verbose_name=_("user")
    )
    region = models.CharField(_("region"), max_length=50, blank=True)
    service_office = models.ForeignKey(
        "customers.ServiceOffice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engineers",
        verbose_name=_("service office"),
    )
    vendors = models.ManyToManyField(
        "installed_base.Vendor", blank=True, related_name="engineers", verbose_name=_("vendor skills")
    )
    categories = models.CharField(
        _("product skills"),
        max_length=200,
        blank=True,
        validators=[validate_categories],
        help_text=_("Product categories, comma-separated: telephony, router, switch, software, server, other."),
    )
    available = models.BooleanField(
        _("available"), default=True, help_text=_("Off while on leave or training: proposed only when on duty.")
    )
    assignments = models.PositiveIntegerField(_("cases handed out"), default=0, editable=False)

    class Meta:
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def category_list(self) -> list[str]:
        return split_categories(self.categories)


class AssignmentRule(models.Model):
    """Where a new case goes: the first active rule (lowest order) whose conditions all match the
    case (an empty condition matches anything) names the team; the engineer is then chosen
    within it by skills, place, duty and workload."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    category = models.CharField(_("product category"), max_length=20, choices=ProductModel.Category.choices, blank=True)
    vendor = models.ForeignKey(
        "installed_base.Vendor", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("vendor")
    )
    region = models.CharField(_("region"), max_length=50, blank=True)
    severities = models.CharField(
        _("severities"), max_length=4, blank=True, help_text=_("e.g. AB; empty: every severity.")
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="rules", verbose_name=_("team"))

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        wrong = set(self.severities.upper()) - set("ABCD")
        if wrong:
            raise ValidationError({"severities": _("Use the letters A, B, C and D only.")})
        self.severities = "".join(sorted(set(self.severities.upper())))


class Shift(models.Model):
    """One duty shift (值班) of a team in a region: a duty engineer and a duty manager from
    `starts_at` to `ends_at` (a night shift ends the next morning)."""

    class Kind(models.TextChoices):
        DAY = "day", _("Day")
        NIGHT = "night", _("Night")
        HOLIDAY = "holiday", _("Holiday")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("team"))
    region = models.CharField(_("region"), max_length=50, blank=True)
    kind = models.CharField(_("shift"), max_length=10, choices=Kind.choices, default=Kind.DAY)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    duty_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="engineer_shifts",
        verbose_name=_("duty engineer"),
    )
    duty_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="manager_shifts",
        verbose_name=_("duty manager"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("planned by"),
    )

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["starts_at", "team"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="shift_span_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        return f"{self.team} {start:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class ShiftSwap(models.Model):
    """A change of the person on duty: who gave the shift to whom, when, why, and who recorded it."""

    class Duty(models.TextChoices):
        ENGINEER = "engineer", _("Duty engineer")
        MANAGER = "manager", _("Duty manager")

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="swaps", verbose_name=_("shift"))
    duty = models.CharField(_("duty"), max_length=10, choices=Duty.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-at"]


class Proposal(models.Model):
    """What the system proposed for a new case, and why; kept to show the desk and the manager."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="dispatch_proposal", verbose_name=_("case")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("owner")
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("team"))
    # Machine-readable, worded when read: region, vendor, load, on_duty, rule, after_hours.
    reasons = models.JSONField(_("reasons"), default=dict)
    after_hours = models.BooleanField(_("after hours"), default=False)
    applied = models.BooleanField(_("applied"), default=False)
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)

    class Meta:
        verbose_name = _("assignment proposal")
        verbose_name_plural = _("assignment proposals")


class Handling(models.Model):
    """How a case is handled (R4.1): A1 guidance by phone/fax/e-mail, A2 remote login, A3 on site;
    and what the fault looks like, which decides the next step of the decision flow (S1)."""

    class Mode(models.TextChoices):
        GUIDANCE = "A1", _("A1 · Phone, fax or e-mail guidance")
        REMOTE = "A2", _("A2 · Remote login")
        ON_SITE = "A3", _("A3 · On site")

    class Diagnosis(models.TextChoices):
        UNKNOWN = "", _("Not yet known")
        PRODUCT = "product", _("Product problem")
        ENVIRONMENT = "environment", _("Environment problem (third party)")
        UNCLEAR = "unclear", _("Unclear")

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="handling")
    mode = models.CharField(_("handling mode"), max_length=2, choices=Mode.choices, default=Mode.GUIDANCE)
    diagnosis = models.CharField(_("diagnosis"), max_length=20, choices=Diagnosis.choices, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("handling")
        verbose_name_plural = _("handling")


class RemoteAuthorisation(models.Model):
    """The customer's permission to log in remotely (A2): who gave it, when, how, until when;
    for all of the customer's equipment or one piece."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        FAX = "fax", _("Fax")
        LETTER = "letter", _("Signed letter")
        PORTAL = "portal", _("Portal")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="remote_authorisations", verbose_name=_("customer")
    )
    equipment = models.ForeignKey(
        "installed_base.Equipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("equipment"),
        help_text=_("Empty: all of the customer's equipment."),
    )
    granted_by = models.CharField(_("given by"), max_length=100)
    channel = models.CharField(_("given by way of"), max_length=10, choices=Channel.choices)
    granted_at = models.DateTimeField(_("given at"))
    valid_until = models.DateTimeField(_("valid until"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("remote-login authorisation")
        verbose_name_plural = _("remote-login authorisations")
        ordering = ["-valid_until"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("granted_at")), name="auth_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.granted_by} · {timezone.localtime(self.valid_until):%Y-%m-%d %H:%M}"


class VendorCase(models.Model):
    """A case opened with a vendor's TAC (Cisco TAC, AVAYA…) at L4, or a request to a third-party
    vendor for an environment problem (R4.3): the other side's number, contact and severity."""

    class Kind(models.TextChoices):
        VENDOR_TAC = "vendor_tac", _("Vendor TAC case")
        THIRD_PARTY = "third_party", _("Third-party vendor request")

    class Severity(models.TextChoices):
        S1 = "S1", _("S1 / P1 · network down")
        S2 = "S2", _("S2 / P2 · severely degraded")
        S3 = "S3", _("S3 / P3 · impaired")
        S4 = "S4", _("S4 / P4 · information")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="vendor_cases")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VENDOR_TAC)
    vendor = models.ForeignKey(
        "installed_base.Vendor", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("vendor")
    )
    party = models.CharField(_("third party"), max_length=100, blank=True, help_text=_("For a third-party request."))
    number = models.CharField(_("vendor's case number"), max_length=64, db_index=True)
    contact = models.CharField(_("vendor contact"), max_length=200, blank=True)
    severity = models.CharField(_("vendor severity"), max_length=2, choices=Severity.choices, default=Severity.S3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("vendor case")
        verbose_name_plural = _("vendor cases")
        ordering = ["opened_at"]

    def __str__(self) -> str:
        return f"{self.vendor_name} {self.number}"

    @property
    def vendor_name(self) -> str:
        return self.vendor.name if self.vendor_id and self.vendor else self.party


class VendorCaseUpdate(models.Model):
    vendor_case = models.ForeignKey(VendorCase, on_delete=models.PROTECT, related_name="updates")
    text = models.TextField(_("update"), max_length=5000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at"]


class Handover(models.Model):
    """A case offered to another team (R4.4). Until the receiving team accepts, both teams see
    it; a refusal returns it with the reason. At most one pending handover per case."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="handovers")
    from_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from team")
    )
    to_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incoming", verbose_name=_("to team"))
    reason = models.CharField(_("reason"), max_length=1000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_handover_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} → {self.to_team}: {self.reason}"
