"""Mailboxes the worker reads, and every message it has fetched (kept, never dropped)."""

from __future__ import annotations

import os
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.secretbox import open_sealed, seal

PASSWORD_VARIABLE = re.compile(r"INBOX_[A-Z0-9_]+")


def validate_password_variable(name: str) -> None:
    if name and not PASSWORD_VARIABLE.fullmatch(name):
        raise ValidationError(
            _("The variable's name must start with INBOX_ (capital letters, digits and _ only)."),
            code="password_variable",
        )


# The account that opens cases and adds replies from e-mail (created by migration 0002).
MAIL_INTAKE_USERNAME = "mail-intake"


class Mailbox(models.Model):
    """An IMAP mailbox, or a Maildir folder for sites that deliver mail locally."""

    class Kind(models.TextChoices):
        IMAP = "imap", _("IMAP")
        MAILDIR = "maildir", _("Maildir folder")

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (port 993)")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (local test servers only)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.IMAP)
    host = models.CharField(_("host"), max_length=200, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True, help_text=_("Empty: 993 with TLS, else 143."))
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=200, blank=True)
    # Encrypted (aftersales/core/secretbox.py); read and written through `password`.
    password_sealed = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        blank=True,
        validators=[validate_password_variable],
        help_text=_("Name of the environment variable holding the password, e.g. INBOX_SUPPORT_PASSWORD."),
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    move_to = models.CharField(
        _("move to folder"), max_length=200, blank=True, help_text=_("After processing; empty: leave in the folder.")
    )
    path = models.CharField(_("Maildir path"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.IMAP and not (self.host and self.username):
            raise ValidationError({"host": _("An IMAP mailbox needs a host and a user name.")})
        if self.kind == self.Kind.MAILDIR and not self.path:
            raise ValidationError({"path": _("A Maildir mailbox needs the folder's path.")})

    @property
    def password(self) -> str:
        """The IMAP password in clear, for the fetch only; stored encrypted."""
        return open_sealed(self.password_sealed)

    @password.setter
    def password(self, plain: str) -> None:
        self.password_sealed = seal(plain or "")

    @property
    def has_password(self) -> bool:
        return bool(self.password_sealed)

    def get_password(self) -> str:
        if self.password_env:
            # Only INBOX_* variables: a mailbox must not send the site's other secrets to a server.
            validate_password_variable(self.password_env)
            return os.environ.get(self.password_env, "")
        return self.password

    def get_port(self) -> int:
        return self.port or (993 if self.security == self.Security.TLS else 143)


class Outcome(models.TextChoices):
    ADDED_TO_CASE = "added_to_case", _("Added to a case")
    OPENED_CASE = "opened_case", _("Opened a case")
    TRIAGE = "triage", _("Awaiting triage")
    IGNORED_AUTO = "ignored_auto", _("Ignored: automatic mail")
    IGNORED_LOOP = "ignored_loop", _("Ignored: our own mail")
    QUARANTINED = "quarantined", _("Quarantined")
    DISCARDED = "discarded", _("Discarded as spam")


class InboundMessage(models.Model):
    """One fetched e-mail, stored as received. Stored once per content (see `content_hash`)."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, null=True, blank=True, related_name="messages", verbose_name=_("mailbox")
    )
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    # What makes two fetched copies one message: the Message-ID *and* the content, without the
    # trace headers each delivery adds (services.content_hash).
    content_hash = models.CharField(_("content hash"), max_length=64)
    raw = models.BinaryField(_("original message"))
    size = models.PositiveIntegerField(_("size"), default=0)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    from_address = models.CharField(_("sender address"), max_length=320, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("sanitised HTML"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("case"),
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("processed by")
    )

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "-created_at"], name="inbound_outcome_idx")]
        constraints = [
            # The same message fetched twice (from one mailbox or two) is stored once; another
            # message that reuses a Message-ID (scanners send "<1@localhost>") is another row.
            models.UniqueConstraint(fields=["content_hash"], name="inbound_unique_content"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.pk}"


class IntakeSettings(models.Model):
    """The e-mail intake's settings an administrator changes in the admin (one row)."""

    reopen_window_days = models.PositiveIntegerField(
        _("reopen window (days)"),
        default=14,
        help_text=_(
            "A customer's e-mail about a case closed at most this many days ago reopens it; "
            "about one closed longer ago, it opens a new case linked to the old one."
        ),
    )

    class Meta:
        verbose_name = _("e-mail intake settings")
        verbose_name_plural = _("e-mail intake settings")

    def __str__(self) -> str:
        return str(_("E-mail intake settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # one row
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> IntakeSettings:
        return cls.objects.get_or_create(pk=1)[0]
