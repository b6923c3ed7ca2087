"""Staff requests → messages: the channels of the recipient's preferences (or those the request
names, for a kind that says so, such as an escalation), rendered in the recipient's language,
held through quiet hours unless the kind calls the request urgent (a severity A or B case)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction

from aftersales.accounts import policy
from aftersales.core.mailids import make_message_id
from aftersales.notifications import registry
from aftersales.notifications.models import IM_CHANNELS, Channel, Notification
from aftersales.notifications.preferences import Via, preferences_of
from aftersales.notifications.rendering import render_request
from aftersales.notifications.senders import configured_im_channels

log = logging.getLogger(__name__)
Status = Notification.Status


def pass_on_due(*, now: dt.datetime, limit: int = 200) -> int:
    """Pass on the requests due by `now`; several workers at once share them (SKIP LOCKED)."""
    done = 0
    with transaction.atomic():
        requests = (
            Notification.objects.filter(channel="", status=Status.PENDING, next_attempt_at__lte=now)
            .select_related("recipient", "case")
            .order_by("pk")
        )
        if connection.vendor == "postgresql":
            requests = requests.select_for_update(skip_locked=True, of=("self",))
        for request in requests[:limit]:
            try:
                with transaction.atomic():
                    pass_on(request, now=now)
            except Exception as error:  # one broken request must not block the others
                log.exception("could not pass on notification %s", request.pk)
                Notification.objects.filter(pk=request.pk).update(
                    status=Status.FAILED, last_error=f"{type(error).__name__}: {error}"
                )
            done += 1
    return done


def pass_on(request: Notification, *, now: dt.datetime) -> list[Notification]:
    """Write the messages of one staff request and mark it passed on (or skipped, and why)."""
    user = request.recipient
    reason = _skip_reason(request, now)
    if reason:
        return _close(request, Status.SKIPPED, reason)
    assert user is not None  # _skip_reason refuses a request without a recipient
    kind = registry.get(request.kind)
    urgent = kind.is_urgent(request)
    preferences = preferences_of(user)
    if kind.channels_from_payload:
        wanted = [name.strip() for name in request.payload.get("channels") or [Via.EMAIL] if name.strip()]
    else:
        wanted = list(preferences.channels)
    due = None if urgent else preferences.held_until(now)
    due = due or now
    personal, group, notes = _addresses(user, wanted)
    messages = []
    if personal:
        rendered = render_request(request, user.language)
        for channel, address in personal:
            messages.append(
                _message(request, kind, channel, address, rendered, user.language, urgent, due, recipient=user)
            )
        Notification.objects.bulk_create(messages)
    if group:
        language = settings.NOTIFY_IM_LANGUAGE
        rendered = render_request(request, language)
        event = request.dedupe_key or f"{request.kind}:{request.case_id or ''}:{request.created_at.isoformat()}"
        rows = [
            _message(request, kind, channel, channel, rendered, language, urgent, due, dedupe_key=f"im:{event}")
            for channel in group
        ]
        messages += Notification.objects.bulk_create(rows, ignore_conflicts=True)
    status = Status.PASSED_ON if personal or group else Status.SKIPPED
    return _close(request, status, "; ".join(notes), messages)


def _skip_reason(request: Notification, now: dt.datetime) -> str:
    user = request.recipient
    if user is None or not user.is_active:
        return "no active recipient"
    if not policy.allowed(user, "notifications.receive"):
        return "the recipient is not a staff member"
    if now - request.created_at > dt.timedelta(hours=settings.NOTIFY_GIVE_UP_HOURS):
        return "too old to be useful"
    if registry.get(request.kind).optional and not preferences_of(user).wants(request.kind):
        return "turned off in the recipient's preferences"
    return ""


def _addresses(user, wanted: list[str]) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(channel, address) pairs for the person, IM groups, and notes on what is missing."""
    personal: list[tuple[str, str]] = []
    group: list[str] = []
    notes: list[str] = []
    configured = configured_im_channels()
    for name in dict.fromkeys(wanted):
        if name in (Via.EMAIL, Via.SMS):
            channel, address = (Channel.EMAIL, user.email) if name == Via.EMAIL else (Channel.SMS, user.phone)
            if address:
                personal.append((channel, address))
            else:
                notes.append(f"no address for {name}")
        elif name == Via.IM or name in IM_CHANNELS:
            chosen = configured if name == Via.IM else [name] if name in configured else []
            group += [channel for channel in chosen if channel not in group]
            if not chosen:
                notes.append(f"no group robot configured for {name}")
        else:
            notes.append(f"unknown channel {name!r}")
    return personal, group, notes


def _message(request, kind, channel, address, rendered, language, urgent, due, *, recipient=None, dedupe_key=""):
    is_email = channel == Channel.EMAIL
    return Notification(
        kind=request.kind,
        recipient=recipient,
        case=request.case,
        parent=request,
        channel=channel,
        address=address,
        language=language,
        subject=rendered.subject,
        body_text=rendered.text if is_email else rendered.short,
        body_html=rendered.html if is_email else "",
        message_id=make_message_id(kind.thread_of(request)) if is_email else "",
        urgent=urgent,
        payload=request.payload,
        dedupe_key=dedupe_key,
        created_at=request.created_at,
        next_attempt_at=due,
    )


def _close(request: Notification, status: str, note: str, messages: list | None = None) -> list[Notification]:
    Notification.objects.filter(pk=request.pk).update(status=status, last_error=note[:1000])
    return messages or []
