"""Alarms from network and system monitoring: where they come from, how their severities map
to case severities, and one row per event received (R2.1, channel "monitoring")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.cases.models import Severity


class AlarmSource(models.Model):
    """A monitoring system that posts alarms to the API, as its own integration user."""

    class OnClear(models.TextChoices):
        NOTE = "note", _("Record the clear only")
        PROPOSE = "propose", _("Propose resolution (internal note)")
        RESOLVE = "resolve", _("Resolve the case automatically")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The API user the monitoring system authenticates as (with a read-write token); the
    # source of an alarm is always the one linked to the user who posts it.
    api_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="alarm_source",
        verbose_name=_("API user"),
        help_text=_("The account the monitoring system posts as; it needs a case-worker role such as hotline agent."),
    )
    default_severity = models.CharField(
        _("default case severity"),
        max_length=1,
        choices=Severity.choices,
        default=Severity.C,
        help_text=_("Used when an alarm's severity has no mapping."),
    )
    on_clear = models.CharField(
        _("when an alarm clears"),
        max_length=10,
        choices=OnClear.choices,
        default=OnClear.PROPOSE,
        help_text=_(
            "Resolving automatically needs an API user with an engineer or manager role, and a case "
            "that has been accepted; otherwise resolution is proposed."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alarm source")
        verbose_name_plural = _("alarm sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        user = getattr(self, "api_user", None) if self.api_user_id else None
        if user is not None and not policy.allowed(user, "monitoring.act_for_source"):
            raise ValidationError({"api_user": _("The API user must be a staff account, never a customer's.")})


def normalise_severity(value: str) -> str:
    return (value or "").strip().lower()


class SeverityMapping(models.Model):
    """A monitoring system's severity word (critical, major, …) and the case severity it means.
    Rows without a source apply to every source; a source's own row wins."""

    source = models.ForeignKey(
        AlarmSource,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="severity_mappings",
        verbose_name=_("alarm source"),
        help_text=_("Empty: the default for every source."),
    )
    monitoring_severity = models.CharField(
        _("monitoring severity"), max_length=40, help_text=_("As the monitoring system sends it; case is ignored.")
    )
    case_severity = models.CharField(_("case severity"), max_length=1, choices=Severity.choices)

    class Meta:
        verbose_name = _("severity mapping")
        verbose_name_plural = _("severity mappings")
        ordering = ["source__name", "case_severity", "monitoring_severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "monitoring_severity"],
                name="severity_mapping_unique_per_source",
                violation_error_message=_("This severity is already mapped for this source."),
            ),
            models.UniqueConstraint(
                fields=["monitoring_severity"],
                condition=models.Q(source__isnull=True),
                name="severity_mapping_unique_default",
                violation_error_message=_("This severity already has a default mapping."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.monitoring_severity} → {self.case_severity}"

    def clean(self) -> None:
        super().clean()
        # Before the unique constraints are checked, so "Critical" clashes with "critical".
        self.monitoring_severity = normalise_severity(self.monitoring_severity)

    def save(self, *args, **kwargs):
        self.monitoring_severity = normalise_severity(self.monitoring_severity)
        super().save(*args, **kwargs)


class Alarm(models.Model):
    """One alarm event as received: a raise or a clear. Never changed afterwards except that a
    raise learns when it was cleared. A raise is recorded once per (source, alarm id, raised
    time), a clear once per (source, alarm id, cleared time): the database enforces it, so the
    same event posted twice, even at the same instant, opens at most one case."""

    class Event(models.TextChoices):
        RAISE = "raise", _("Raised")
        CLEAR = "clear", _("Cleared")

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened a case")
        ADDED = "added", _("Added to an open case")
        CLEARED = "cleared", _("Cleared")
        RESOLVED = "resolved", _("Cleared; case resolved")

    source = models.ForeignKey(AlarmSource, on_delete=models.PROTECT, related_name="alarms", verbose_name=_("source"))
    alarm_id = models.CharField(_("alarm id"), max_length=200)
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    equipment = models.ForeignKey(
        "installed_base.Equipment", on_delete=models.PROTECT, related_name="alarms", verbose_name=_("equipment")
    )
    severity = models.CharField(_("monitoring severity"), max_length=40, blank=True)
    case_severity = models.CharField(_("case severity"), max_length=1, choices=Severity.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    raised_at = models.DateTimeField(_("raised"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="alarms", verbose_name=_("case")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    payload = models.JSONField(_("payload as received"), default=dict, blank=True)

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["source", "alarm_id", "equipment"], name="alarm_thread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "alarm_id", "raised_at"],
                condition=models.Q(event="raise"),
                name="alarm_raise_once",
            ),
            models.UniqueConstraint(
                fields=["source", "alarm_id", "cleared_at"],
                condition=models.Q(event="clear"),
                name="alarm_clear_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(event="raise") | models.Q(raised_at__isnull=False),
                name="alarm_raise_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(event="clear") | models.Q(cleared_at__isnull=False),
                name="alarm_clear_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.alarm_id} ({self.get_event_display()})"
