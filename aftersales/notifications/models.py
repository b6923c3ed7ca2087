from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.notifications import registry


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")
    FEISHU = "feishu", _("Feishu")


# Group robots: one message per event to the group, whoever in it the event concerns.
IM_CHANNELS = (Channel.DINGTALK, Channel.WECOM, Channel.FEISHU)


class Notification(models.Model):
    """An outbox row: written in the transaction of the change that caused it, sent later.

    Two shapes share the table (docs/notifications.md):

    - a *message*: one text to one address on one channel (`channel` set), addressed to a staff
      user, a customer's contact (who may have no login) or an IM group; the worker sends it;
    - a *request* for a staff user (`channel` empty), as the case and contract services and the
      escalation sweep write them: the worker turns it into messages on the channels of the
      user's preferences (or of the escalation rule), then marks it passed on.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        PASSED_ON = "passed_on", _("Passed on to the channels")
        SKIPPED = "skipped", _("Not sent")

    # The kinds are declared by the apps that own them (registry.py); this reads them by name.
    Kind = registry.names

    kind = models.CharField(_("kind"), max_length=40, validators=[registry.validate_kind])
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("staff recipient"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("customer contact"),
    )
    # An optional link to the case a notification is about: the outbox itself never reads it,
    # the cases app's kinds do (their guards, threads and failure notes) and the case page lists
    # its failed deliveries by it. Kinds about anything else leave it empty.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    # The request a message was made from.
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="messages", editable=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True, db_index=True)
    # Severity A/B: never held for quiet hours.
    urgent = models.BooleanField(_("urgent"), default=False)
    payload = models.JSONField(default=dict, blank=True)
    # One notification per (recipient, dedupe key): periodic jobs may run twice.
    dedupe_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker's claim: its token, and when the claim lapses if that worker died meanwhile.
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_outbox_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["case", "address"], name="notification_thread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_unique_dedupe",
            ),
            models.UniqueConstraint(
                fields=["contact", "channel", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_unique_contact_dedupe",
            ),
            # An event reaches an IM group once, however many of its members it concerns.
            models.UniqueConstraint(
                fields=["channel", "dedupe_key"],
                condition=Q(channel__in=["dingtalk", "wecom", "feishu"]) & ~Q(dedupe_key=""),
                name="notification_unique_im_dedupe",
            ),
            models.UniqueConstraint(
                fields=["parent", "channel", "address"],
                condition=Q(parent__isnull=False),
                name="notification_unique_message_per_request",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_request(self) -> bool:
        return not self.channel

    def get_kind_display(self) -> str:
        """The kind's label in the active language (the kind's name if no app declares it any more)."""
        try:
            return str(registry.get(self.kind).label)
        except registry.UnknownKind:
            return self.kind


class NotificationPreference(models.Model):
    """What a staff member wants to hear about, where, and when not (quiet hours).

    Without a row: every event, by e-mail, at any hour. Quiet hours (Asia/Shanghai wall clock,
    may span midnight) hold messages until they end, except for severity A and B cases.
    """

    class Via(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        IM = "im", _("Group chat (DingTalk / WeCom / Feishu)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
