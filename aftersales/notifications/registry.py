"""The notification kinds, as the apps declare them in their `AppConfig.ready`.

The outbox knows no domain: a kind says who receives it, how its text is made and what its
messages must be checked for, and the app that owns the kind supplies those as functions. So a
new feature adds a kind in its own app (`<app>/notices.py`) and never edits this package
(docs/notifications.md, "How an app adds a notification kind").

This module imports nothing from Django's models or any app, so it can be imported anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from aftersales.notifications.models import Notification
    from aftersales.notifications.rendering import Rendered


class Audience(StrEnum):
    """Who a kind's rows are for."""

    STAFF = "staff"  # requests to staff users, passed on to the channels of their preferences
    CONTACT = "contact"  # messages to a customer's contact, written with channel and address
    ADDRESS = "address"  # messages to an address given, with no account behind it


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification: its name (stored on the outbox row), its label (shown in the
    preferences and the admin), who receives it, and the app's functions behind it.

    - `context(row)`: the template context of a staff request (templates
      `notifications/<name>-subject.txt`, `-body.txt`, `-body.html`, optional `-sms.txt`);
    - `render(row)`: for messages queued with their facts only, the text rendered when sent;
    - `keep_rendered`: store that text on the row (False for texts holding a secret, such as
      a one-time link, which then exists only in the mail);
    - `guard(row)`: why a message must not go out now, or "" (checked before every attempt);
    - `on_failure(row, error, now)`: what a permanent failure leaves behind (a note on the case);
    - `urgent(row)`: never held for quiet hours;
    - `thread(row)`: the name a message's Message-ID carries (a case number), or None;
    - `html`: the kind has an HTML body (`-body.html`); without one, mail goes as plain text;
    - `optional`: a staff member's preferences may turn the kind off (an escalation they cannot);
    - `channels_from_payload`: the request names its channels (`payload["channels"]`) instead of
      the recipient's preferences — as an escalation rule does;
    - `attachments(row)`: files attached to an e-mail of the kind, read when it is sent (a
      generated PDF); raising `AttachmentNotReady` tries the message again later.
    """

    name: str
    label: Any
    audience: Audience = Audience.STAFF
    context: Callable[[Notification], dict] | None = None
    render: Callable[[Notification], Rendered] | None = None
    keep_rendered: bool = True
    guard: Callable[[Notification], str] | None = None
    on_failure: Callable[[Notification, str, dt.datetime], None] | None = None
    urgent: Callable[[Notification], bool] | None = None
    thread: Callable[[Notification], str | None] | None = None
    html: bool = True
    optional: bool = True
    channels_from_payload: bool = False
    attachments: Callable[[Notification], list[MailAttachment]] | None = None

    def is_urgent(self, row: Notification) -> bool:
        return bool(self.urgent and self.urgent(row))

    def thread_of(self, row: Notification) -> str | None:
        return self.thread(row) if self.thread else None


@dataclass(frozen=True)
class MailAttachment:
    """One file attached to an e-mail: its name, bytes and MIME type."""

    name: str
    content: bytes
    mimetype: str = "application/octet-stream"


class AttachmentNotReady(Exception):
    """An attachment is not there yet (a document still being generated): send later."""


class UnknownKind(LookupError):
    """A notification kind no app has registered."""


_KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Declare `kind`; called from the owning app's `AppConfig.ready`.

    Registering the same declaration again is harmless (`ready` may run twice in tests); a
    second, different declaration under a taken name is an error, found at start-up.
    """
    if not kind.name or len(kind.name) > 40:
        raise ValueError(f"a notification kind needs a name of 1 to 40 characters: {kind.name!r}")
    known = _KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"the notification kind {kind.name!r} is already registered differently")
    if kind.audience == Audience.STAFF and kind.context is None:
        raise ValueError(f"the staff notification kind {kind.name!r} needs a context function")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> NotificationKind:
    """The registered kind called `name`; UnknownKind if no app declared it."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(f"no app registered the notification kind {name!r}") from None


def all_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order the apps declared them."""
    return list(_KINDS.values())


def staff_kinds() -> list[NotificationKind]:
    """The kinds sent to staff members, as their preferences list them."""
    return [kind for kind in _KINDS.values() if kind.audience == Audience.STAFF]


def validate_kind(value: str) -> None:
    """The model field's validator: only registered kinds are stored."""
    if value not in _KINDS:
        raise ValidationError(_("“%(kind)s” is not a known notification kind."), params={"kind": value}, code="kind")


class _Names:
    """Read access by constant name for code that predates the registry:
    `Notification.Kind.CASE_ASSIGNED == "case_assigned"` once the cases app registered it.
    Nothing is listed here; an unregistered name is an AttributeError."""

    def __getattr__(self, attribute: str) -> str:
        name = attribute.lower()
        if attribute.isupper() and name in _KINDS:
            return name
        raise AttributeError(f"no app registered the notification kind {name!r}")

    def __iter__(self) -> Iterator[str]:
        return iter(list(_KINDS))

    @property
    def choices(self) -> list[tuple[str, Any]]:
        return [(kind.name, kind.label) for kind in _KINDS.values()]


names = _Names()
