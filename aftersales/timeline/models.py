"""One append-only history for any aggregate: a case, a customer, a registration, a visit…

An entry names its subject generically (content type + object id), so a new app needs no
table of its own to keep an audited history. `data` is machine-readable (field names, raw
values and ids); it is turned into words only when someone reads it, in their language
(`aftersales.timeline.rendering`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.subjects import AboutSubject, subject_filter


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses every bulk change: history is written once and read for ever."""

    def update(self, **kwargs):
        raise PermissionError("timeline entries are never changed")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError("timeline entries are never changed")

    def delete(self):
        raise PermissionError("timeline entries are never deleted")

    def for_subject(self, subject: models.Model) -> AppendOnlyQuerySet:
        """The entries of one subject (served by the subject index)."""
        return self.filter(**subject_filter(subject))


class Entry(AboutSubject):
    """One entry of a subject's timeline. Append-only: rows are never updated or deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="timeline_entries",
        verbose_name=_("by"),
    )
    # A kind registered by the app that owns the subject (aftersales.timeline.registry).
    kind = models.CharField(_("kind"), max_length=40)
    # Field names and raw values or ids, never translated labels; rendered at read time.
    data = models.JSONField(_("data"), default=dict, blank=True)
    public = models.BooleanField(_("customer-visible"), default=False, help_text=_("Visible to the customer."))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-created_at"], name="timeline_subject_idx"),
        ]

    def __str__(self) -> str:
        from aftersales.timeline.registry import kind_label

        return f"{kind_label(self.kind)} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("timeline entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("timeline entries are never deleted")
