"""Which mail never opens a case or gets an answer: automatic mail and our own coming back.

Each function returns the reason as text (stored on the message) or "" when the rule does not
apply. Any one reason is enough: a missed auto-reply can start a mail loop, a wrongly ignored
mail is still stored and listed.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from django.conf import settings

from aftersales.core.mailids import case_number_from_message_ids, is_our_message_id
from aftersales.inbox.parsing import ParsedMail

CASE_NUMBER = re.compile(r"\bCS\d{6}-\d{6}\b", re.IGNORECASE)
# Subjects of automatic replies and bounces from clients that set no header (QQ Mail, many
# Chinese webmails), matched at the start after any "Re:"/"回复:".
AUTO_SUBJECT = re.compile(
    r"^\s*((re|回复|答复|回覆)\s*[:：]\s*)*("
    r"自动回复|自動回覆|自动答复|自動回复|auto[- ]?reply|automatic reply|autoreply|auto[- ]?response|"
    r"out of (the )?office|ooo\b|外出|不在办公室|休假|"
    r"undeliverable|undelivered mail|delivery status notification|delivery failure|mail delivery failed|"
    r"returned mail|failure notice|退信|系统退信|投递失败|发送失败"
    r")",
    re.IGNORECASE,
)
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMON_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.IGNORECASE)


def loop_reason(mail: ParsedMail, *, mailbox_address: str = "") -> str:
    """Our own mail coming back: our Message-ID, or sent from our own address."""
    if is_our_message_id(mail.message_id):
        return f"our own Message-ID {mail.message_id}"
    ours = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), (mailbox_address or "").lower()} - {""}
    if mail.from_address and mail.from_address in ours:
        return f"sent from our own address {mail.from_address}"
    return ""


def automatic_reason(mail: ParsedMail) -> str:
    """Auto-replies, bounces, delivery and read reports, mailing lists."""
    h = mail.headers
    auto_submitted = h.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if name in h:
            return f"{name} header"
    precedence = h.get("precedence", "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe"):
        if name in h:
            return f"mailing list ({name})"
    if "return-path" in h and h["return-path"].strip() in ("<>", ""):
        return "empty Return-Path (a bounce)"
    if mail.content_type == "multipart/report":
        return "delivery or read report (multipart/report; %s)" % (mail.report_type or "?")
    if DAEMON_SENDERS.match(mail.from_address or ""):
        return f"sent by a mail system ({mail.from_address})"
    if AUTO_SUBJECT.match(mail.subject or ""):
        return "automatic reply by its subject"
    return ""


def referenced_case_number(mail: ParsedMail) -> str:
    """The case a reply is about: a number in the subject, else our Message-IDs it quotes."""
    match = CASE_NUMBER.search(mail.subject or "")
    if match:
        return match.group(0).upper()
    return case_number_from_message_ids(f"{mail.in_reply_to} {mail.references}") or ""


_QUOTE_STARTS = [
    re.compile(p, re.IGNORECASE | re.MULTILINE)
    for p in (
        r"^-{2,}\s*(original message|原始邮件|原始郵件|forwarded message|转发邮件)\s*-{2,}",
        r"^_{10,}\s*$",
        r"^On .{5,200} wrote:\s*$",
        r"^在 .{5,200}写道[:：]\s*$",
        r"^(from|发件人|寄件者)\s*[:：].+\n(sent|date|发送时间|日期|寄件日期)\s*[:：]",
    )
]


def without_quoted_history(text: str) -> str:
    """The new part of a reply: the text before the quoted earlier messages, if any is left."""
    cut = len(text)
    for pattern in _QUOTE_STARTS:
        match = pattern.search(text)
        if match:
            cut = min(cut, match.start())
    head = text[:cut].strip()
    return head if head else text.strip()
