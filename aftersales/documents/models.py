from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.subjects import AboutSubject


class Audience(models.TextChoices):
    """Who a document is written for. A kind renders what the audience may read (a customer's
    copy never holds internal notes); the caller decides which audiences a user may download."""

    STAFF = "staff", _("Staff")
    CUSTOMER = "customer", _("Customer")


class Document(AboutSubject):
    """One generated PDF about one subject: versioned per subject, kind and audience, hashed,
    stored under MEDIA_ROOT and served only through the subject's visibility rule.

    The subject is a content type and an object id rather than a free label: the content type
    is a real row (integrity-checked, renamed with the model), and "documents of the subjects
    this user may see" is one subquery on (subject_type, subject_id) without the mechanism
    knowing any domain model.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=50)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    language = models.CharField(_("language"), max_length=10)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "audience", "version"], name="document_version_unique"
            ),
            # A double-click never queues the same document twice.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "audience", "language"],
                condition=models.Q(status="pending"),
                name="document_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id", "kind"], name="document_subject_idx")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY
