"""Senders: one small interface, `send(message) -> Result`, one backend per channel.

A sender never raises for a failed delivery: it says whether the failure is worth retrying
(`Result.retry`), and the delivery loop decides about back-off and giving up. Configuration
comes from settings (environment variables, see docs/notifications.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.utils.module_loading import import_string

from aftersales.notifications.models import Channel
from aftersales.notifications.registry import MailAttachment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    """What a sender needs: already rendered, already checked against the guards."""

    channel: str
    address: str
    subject: str
    text: str
    html: str = ""
    message_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # template parameters for SMS gateways
    attachments: tuple[MailAttachment, ...] = ()  # e-mail only


@dataclass(frozen=True)
class Result:
    ok: bool
    retry: bool = False  # a failure that may pass later (server down, 4xx, time-out)
    error: str = ""

    @classmethod
    def sent(cls) -> Result:
        return cls(True)

    @classmethod
    def transient(cls, error: str) -> Result:
        return cls(False, True, error)

    @classmethod
    def permanent(cls, error: str) -> Result:
        return cls(False, False, error)


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> Result: ...


# --- e-mail ---------------------------------------------------------------------------------


class EmailSender:
    """Django's mail with the configured EMAIL_* settings (SMTP in production).

    One recipient, no Cc, no Bcc: what one person receives names nobody else. A 5xx reply of
    the server (unknown mailbox, refused sender) is permanent; anything else is retried.
    """

    def send(self, message: OutgoingMessage) -> Result:
        try:
            validate_email(message.address)
        except ValidationError:
            return Result.permanent(f"invalid e-mail address: {message.address!r}")
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            reply_to=[settings.NOTIFY_REPLY_TO] if settings.NOTIFY_REPLY_TO else None,
            headers={"Message-ID": message.message_id, **message.headers} if message.message_id else message.headers,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment.name, attachment.content, attachment.mimetype)
        try:
            with get_connection(fail_silently=False) as connection:
                sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _reply in error.recipients.values()]
            text = "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values())
            return Result(False, not all(code >= 500 for code in codes), f"recipient refused: {text}")
        except smtplib.SMTPResponseException as error:
            reply = (
                error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
            )
            return Result(False, error.smtp_code < 500, f"SMTP {error.smtp_code} {reply}")
        except (OSError, smtplib.SMTPException) as error:
            return Result.transient(f"{type(error).__name__}: {error}")
        if not sent:
            return Result.transient("the mail backend sent nothing")
        return Result.sent()


# --- SMS -------------------------------------------------------------------------------------


class LoggingSmsSender:
    """The default: writes the SMS to the log. For sites without a gateway, and for demos."""

    def send(self, message: OutgoingMessage) -> Result:
        log.info("SMS to %s: %s", message.address, message.text)
        return Result.sent()


class HttpSmsSender:
    """A generic HTTP SMS gateway: POST of a JSON document, the key as a bearer token.

    Body: {"to": mobile, "template": NOTIFY_SMS_TEMPLATE, "params": {...}, "text": text}.
    2xx is delivered; 429 and 5xx are retried; any other 4xx is permanent.
    """

    def send(self, message: OutgoingMessage) -> Result:
        body = {
            "to": message.address,
            "template": settings.NOTIFY_SMS_TEMPLATE,
            "params": message.params,
            "text": message.text,
        }
        headers = {"Authorization": f"Bearer {settings.NOTIFY_SMS_KEY}"} if settings.NOTIFY_SMS_KEY else {}
        return post_json(settings.NOTIFY_SMS_URL, body, headers=headers)


# --- group robots --------------------------------------------------------------------------


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, "{timestamp}\\n{secret}"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(timestamp_s: int, secret: str) -> str:
    """Feishu's signature: base64(HMAC-SHA256(key="{timestamp}\\n{secret}", empty message))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _im_text(message: OutgoingMessage) -> str:
    return f"{message.subject}\n{message.text}".strip() if message.text else message.subject


class DingTalkSender:
    """A DingTalk group robot; with a secret, `timestamp` and `sign` in the query string."""

    def send(self, message: OutgoingMessage) -> Result:
        url = settings.NOTIFY_DINGTALK_WEBHOOK
        if settings.NOTIFY_DINGTALK_SECRET:
            timestamp = int(time.time() * 1000)
            sign = dingtalk_sign(timestamp, settings.NOTIFY_DINGTALK_SECRET)
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"timestamp": timestamp, "sign": sign})
        body = {"msgtype": "text", "text": {"content": _im_text(message)}}
        return post_json(url, body, ok=lambda reply: reply.get("errcode") == 0)


class WeComSender:
    """A WeCom (企业微信) group robot: the key is in the URL, nothing is signed."""

    def send(self, message: OutgoingMessage) -> Result:
        body = {"msgtype": "text", "text": {"content": _im_text(message)}}
        return post_json(settings.NOTIFY_WECOM_WEBHOOK, body, ok=lambda reply: reply.get("errcode") == 0)


class FeishuSender:
    """A Feishu (飞书) group robot; with a secret, `timestamp` and `sign` in the body."""

    def send(self, message: OutgoingMessage) -> Result:
        body: dict = {"msg_type": "text", "content": {"text": _im_text(message)}}
        if settings.NOTIFY_FEISHU_SECRET:
            timestamp = int(time.time())
            body = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, settings.NOTIFY_FEISHU_SECRET), **body}
        return post_json(settings.NOTIFY_FEISHU_WEBHOOK, body, ok=lambda reply: reply.get("code", 0) == 0)


def post_json(url: str, body: dict, *, headers: dict | None = None, ok=None) -> Result:
    """POST `body` as JSON. HTTP 429/5xx and network errors are transient, other 4xx permanent;
    `ok(reply)` judges a 2xx reply's JSON (the robots answer 200 with an error code)."""
    if not url:
        return Result.permanent("no URL configured")
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        detail = f"HTTP {error.code} {error.read()[:200].decode(errors='replace')}"
        return Result(False, error.code == 429 or error.code >= 500, detail)
    except (OSError, ValueError) as error:
        return Result.transient(f"{type(error).__name__}: {error}")
    if ok is None:
        return Result.sent()
    try:
        reply = json.loads(raw or b"{}")
    except ValueError:
        return Result.transient(f"unreadable reply: {raw[:200]!r}")
    if not ok(reply):
        return Result.transient(f"refused: {raw[:200].decode(errors='replace')}")
    return Result.sent()


SMS_BACKENDS: dict[str, type[Sender]] = {"logging": LoggingSmsSender, "http": HttpSmsSender}
IM_SENDERS: dict[str, type[Sender]] = {
    Channel.DINGTALK: DingTalkSender,
    Channel.WECOM: WeComSender,
    Channel.FEISHU: FeishuSender,
}


def sender_for(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        return EmailSender()
    if channel == Channel.SMS:
        backend = settings.NOTIFY_SMS_BACKEND
        return SMS_BACKENDS[backend]() if backend in SMS_BACKENDS else import_string(backend)()
    return IM_SENDERS[Channel(channel)]()


def configured_im_channels() -> list[str]:
    """The group robots with a webhook configured."""
    urls = {
        Channel.DINGTALK: settings.NOTIFY_DINGTALK_WEBHOOK,
        Channel.WECOM: settings.NOTIFY_WECOM_WEBHOOK,
        Channel.FEISHU: settings.NOTIFY_FEISHU_WEBHOOK,
    }
    return [str(channel) for channel, url in urls.items() if url]
