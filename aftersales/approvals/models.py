"""A request for approval about any subject (content type + object id, as the timeline and the
documents name theirs): what is asked (kind), by whom, on what evidence, by when, and — once —
who decided what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.subjects import AboutSubject


class Request(AboutSubject):
    """One request of one kind about one subject. Decided at most once (`services.decide`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # A kind registered by the app that owns it (aftersales.approvals.registry).
    kind = models.CharField(_("kind"), max_length=50)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    # Machine-readable facts (field names, raw values, ids) and the requester's own words.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    evidence_text = models.TextField(_("explanation"), blank=True)
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
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
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "kind"], name="approval_subject_idx")]
        constraints = [
            # Two requesters at once: the database lets only one pending request per kind and subject.
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(status="pending"),
                name="one_pending_approval_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.get_status_display()}"
