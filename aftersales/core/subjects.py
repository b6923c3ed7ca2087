"""Rows about any other row: the timeline's entries, approval requests, documents, deadlines.

A mechanism names its subject generically (a content type and an object id) so that a new app
needs no table of its own and the mechanism imports no domain app. The content type is a real
row (integrity-checked, renamed with the model), and "the rows about the subjects this user may
see" is one subquery on (subject_type, subject_id).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AboutSubject(models.Model):
    """The subject columns every mechanism's row carries; index them with what it queries by."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject"))
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        abstract = True


def subject_filter(subject: models.Model) -> dict[str, Any]:
    """The lookup that selects the rows about `subject` (served by each table's subject index)."""
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": subject.pk}
