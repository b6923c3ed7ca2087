from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import Role
from aftersales.cases.models import Severity
from aftersales.contracts.models import Coverage


class ClockKind(models.TextChoices):
    SIGN_OFF = "sign_off", _("Sign-off (签收)")
    RESPONSE = "response", _("Response")
    FIRST_CONTACT = "first_contact", _("First contact with the customer")
    REPLY = "reply", _("Reply to the customer")
    ON_SITE = "on_site", _("Engineer on site")
    DEPART = "depart", _("HQ engineer departs")
    RESTORE = "restore", _("Service restored")
    PROGRESS = "progress", _("Progress update")
    FAULT_REPORT = "fault_report", _("Fault report")


class Act(models.TextChoices):
    """Things an engineer records on a case that satisfy (or start) a clock."""

    CONTACTED = "contacted", _("Customer contacted")
    ON_SITE = "on_site", _("Arrived on site")
    DEPART_REQUESTED = "depart_requested", _("HQ engineer requested")
    DEPARTED = "departed", _("HQ engineer departed")
    FAULT_REPORT = "fault_report", _("Fault report submitted")


ACT_MEETS: dict[str, tuple[str, ...]] = {
    Act.CONTACTED: ("first_contact",),
    Act.ON_SITE: ("on_site",),
    Act.DEPARTED: ("depart",),
    Act.FAULT_REPORT: ("fault_report",),
}


class ClockStart(models.TextChoices):
    OPENING = "opening", _("When the case is opened")
    REQUEST = "request", _("When it is requested on the case")
    RESOLUTION = "resolution", _("When the case is resolved")


class ServiceTarget(models.Model):
    """One target of a service level: e.g. severity A, service restored within 120 minutes, 7×24."""

    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    minutes = models.PositiveIntegerField(_("minutes"), help_text=_("Business minutes on the calendar below."))
    calendar = models.ForeignKey("calendars.BusinessCalendar", on_delete=models.PROTECT, verbose_name=_("calendar"))
    starts = models.CharField(_("starts"), max_length=12, choices=ClockStart.choices, default=ClockStart.OPENING)

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")
        ordering = ["severity", "clock"]
        constraints = [models.UniqueConstraint(fields=["severity", "clock"], name="service_target_unique")]

    def __str__(self) -> str:
        return f"{self.severity} · {self.get_clock_display()} · {self.minutes} min"


class NoContractCoverage(models.Model):
    """The service hours of a case with no maintenance contract (in warranty or chargeable),
    per severity. Seeded from the service commitments: equipment in warranty gets 24-hour
    remote maintenance and an engineer on site within an hour for a major fault, and A/B
    service is given at any time, so A and B run 7×24; C and D office hours (5×8)."""

    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices, unique=True)
    coverage = models.CharField(_("coverage hours"), max_length=8, choices=Coverage.choices)

    class Meta:
        verbose_name = _("coverage without a contract")
        verbose_name_plural = _("coverage without a contract")
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"{self.severity} · {self.get_coverage_display()}"


class Clock(models.Model):
    """A deadline on a case. The due time is computed once, in business time, and stored, so
    "what is due" is an indexed range query."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    target_minutes = models.PositiveIntegerField(_("target (minutes)"))
    calendar = models.ForeignKey("calendars.BusinessCalendar", on_delete=models.PROTECT, verbose_name=_("calendar"))
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    # No longer relevant (e.g. the on-site clock of a fault fixed by phone once it is resolved).
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_minutes = models.FloatField(_("paused business minutes"), default=0)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at"]
        indexes = [
            # The sweep's range query: running clocks by due time.
            models.Index(
                fields=["due_at"],
                name="clock_running_due_idx",
                condition=Q(met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True),
            ),
            # The breach sweep's: running clocks not yet marked breached.
            models.Index(
                fields=["due_at"],
                name="clock_unbreached_due_idx",
                condition=Q(
                    met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True
                ),
            ),
            models.Index(fields=["case", "kind"], name="clock_case_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.met_at is None and self.stopped_at is None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None and self.is_running


class EscalationRule(models.Model):
    """When to escalate: data, not code. Seeded from the fault-ticket discipline (R3.3)."""

    class Trigger(models.TextChoices):
        AT_OPENING = "opening", _("At opening")
        BEFORE_DUE = "before_due", _("N minutes before a clock is due")
        BREACHED = "breached", _("N minutes after a clock is breached")
        UNRESOLVED = "unresolved", _("Unresolved N minutes after opening")

    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    severities = models.CharField(_("severities"), max_length=8, default="ABCD", help_text=_("e.g. AB"))
    notify_role = models.CharField(_("notify role"), max_length=20, blank=True, choices=Role.choices)
    notify_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notify this person"),
    )
    notify_owner = models.BooleanField(_("notify the owner"), default=False)
    raise_tier = models.BooleanField(_("raise the tier"), default=False)
    channels = models.CharField(_("channels"), max_length=50, default="email", help_text=_("e.g. email,sms,im"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["trigger", "minutes"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, severity: str) -> bool:
        return self.is_active and severity in self.severities


class Escalation(models.Model):
    """A rule scheduled on a case: fires once at `fire_at` (claimed by compare-and-swap)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="escalations")
    rule = models.ForeignKey(EscalationRule, on_delete=models.PROTECT)
    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, null=True, blank=True)
    fire_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            models.Index(
                fields=["fire_at"],
                name="escalation_pending_idx",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "rule", "clock"], name="escalation_once_per_case_rule_clock"),
            models.UniqueConstraint(
                fields=["case", "rule"], condition=Q(clock__isnull=True), name="escalation_once_per_case_rule"
            ),
        ]


class SuspensionRequest(models.Model):
    """挂起: asked by an engineer with the customer's consent, decided by a duty manager."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class ConsentChannel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        ON_SITE = "on_site", _("On site")
        WRITTEN = "written", _("In writing")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="suspension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.TextField(_("reason"), max_length=2000)
    consent_by = models.CharField(_("customer's consent given by"), max_length=100)
    consent_channel = models.CharField(_("consent given by"), max_length=10, choices=ConsentChannel.choices)
    consent_at = models.DateTimeField(_("consent given at"))
    # When the engineer expects to resume; the owner is reminded once it passes (requests made
    # before this was asked for have none).
    expected_end_at = models.DateTimeField(_("expected end"), null=True, blank=True)
    end_reminded_at = models.DateTimeField(_("owner reminded of the expected end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("suspension request")
        verbose_name_plural = _("suspension requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_suspension_per_case"
            )
        ]
        indexes = [
            # The sweep's range query: approved suspensions whose expected end nobody was told of.
            models.Index(
                fields=["expected_end_at"],
                name="suspension_end_unreminded_idx",
                condition=Q(status="approved", end_reminded_at__isnull=True),
            )
        ]
