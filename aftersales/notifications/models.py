from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An outbox row: written in the transaction of the change that caused it, sent later."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        MAJOR_CASE = "major_case", _("Major case opened")
        CASE_ASSIGNED = "case_assigned", _("Case assigned to you")
        CONTRACT_RENEWAL = "contract_renewal", _("Contract renewal due")
        ESCALATION = "escalation", _("Escalation")
        SUSPENSION_REQUEST = "suspension_request", _("Suspension awaiting approval")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    payload = models.JSONField(default=dict, blank=True)
    # One notification per (recipient, dedupe key): periodic jobs may run twice.
    dedupe_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_outbox_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.subject
