"""Due times on business calendars for any subject: a case's service clocks, an RMA's return
deadline, a visit's arrival. A deadline names its subject generically (content type + object
id), like a timeline entry, so a new feature needs no table of its own to have deadlines.

The due time is computed once, in business time on the deadline's calendar, and stored, so
"what is due" is an indexed range query (the due-soon partial indexes below), never a scan of
every open subject. Alarms are moments tied to a subject (and often to one of its deadlines)
at which something must happen once: an escalation, a reminder."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext_lazy as _

# A running deadline counts: not met, not stopped, not paused.
RUNNING = Q(met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True)


class SubjectQuerySet(models.QuerySet):
    def for_subject(self, subject: models.Model):
        """The rows of one subject (served by the subject index)."""
        return self.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)


# A proxy's manager subclasses it with its own queryset class (`_queryset_class`).
SubjectManager = models.Manager.from_queryset(SubjectQuerySet)


class Deadline(models.Model):
    """A due time on a business calendar for one subject. Written only through
    `aftersales.deadlines.services` (start, meet, stop, pause, resume, retarget, the sweep)."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject"))
    subject = GenericForeignKey("subject_type", "subject_id")
    # Owned by one app, which registers what a breach does (aftersales.deadlines.registry).
    kind = models.CharField(_("kind"), max_length=40)
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

    objects = SubjectManager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        indexes = [
            # "Next due" of a subject and the running deadlines by due time.
            models.Index(fields=["due_at"], name="deadline_running_due_idx", condition=RUNNING),
            # The sweep's due-soon index: running deadlines not yet breached.
            models.Index(
                fields=["due_at"], name="deadline_unbreached_due_idx", condition=RUNNING & Q(breached_at=None)
            ),
            models.Index(fields=["subject_type", "subject_id", "kind"], name="deadline_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.subject_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.met_at is None and self.stopped_at is None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None and self.is_running


class Alarm(models.Model):
    """A moment at which something happens once for a subject: fired by the sweep (claimed
    with `skip_locked`, marked by compare-and-swap), or cancelled. `key` is unique: scheduling
    the same key again moves the pending alarm, never adds a second one, and one that fired
    stays fired."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject"))
    subject = GenericForeignKey("subject_type", "subject_id")
    # The deadline it is about, if any (a clock's "30 minutes before due").
    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="alarms", verbose_name=_("deadline")
    )
    # Owned by one app, which registers what firing does (aftersales.deadlines.registry).
    kind = models.CharField(_("kind"), max_length=40)
    # What the alarm is for, in its kind's terms (an escalation rule's id, a request's id).
    ref = models.PositiveBigIntegerField(_("reference"), null=True, blank=True)
    key = models.CharField(_("key"), max_length=200, unique=True)
    fire_at = models.DateTimeField(_("fires at"))
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = SubjectManager()

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["fire_at"]
        indexes = [
            # The sweep's due-soon index: alarms neither fired nor cancelled.
            models.Index(fields=["fire_at"], name="alarm_pending_idx", condition=Q(fired_at=None, cancelled_at=None)),
            models.Index(fields=["subject_type", "subject_id"], name="alarm_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.subject_id} at {self.fire_at:%Y-%m-%d %H:%M}"


class SubjectDeadlines(GenericRelation):
    """Declared on a subject model (`deadlines = SubjectDeadlines()`): `subject.deadlines` are
    its deadlines, and a subject that has any cannot be deleted (ProtectedError, raised before
    anything is deleted, as a PROTECT foreign key would): what was promised and missed is kept."""

    def __init__(self, **kwargs):
        kwargs.setdefault("content_type_field", "subject_type")
        kwargs.setdefault("object_id_field", "subject_id")
        super().__init__(Deadline, **kwargs)

    def bulk_related_objects(self, objs, using=DEFAULT_DB_ALIAS):
        related = super().bulk_related_objects(objs, using)
        if related.exists():
            raise ProtectedError(
                "these subjects have deadlines; what was promised is kept, so they cannot be deleted",
                set(related[:10]),
            )
        return related.none()
