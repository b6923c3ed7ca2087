"""Which mail never opens a case or gets an answer: automatic mail and our own coming back.

Each function returns the reason as text (stored on the message) or "" when the rule does not
apply. Any one reason is enough: a missed auto-reply can start a mail loop, a wrongly ignored
mail is still stored and listed.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr

from django.conf import settings

from aftersales.core.mailids import case_number_from_message_ids, is_our_message_id
from aftersales.inbox.parsing import ParsedMail

# A case number as people write it: next to Chinese text ("关于CS202611-000123的补充"), with
# spaces or another dash; full-width forms are folded to ASCII (NFKC) before matching.
CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9])CS\s*(\d{6})\s*[-‐‑–—−_]?\s*(\d{6})(?!\d)", re.IGNORECASE)
# Subjects of automatic replies and bounces from clients that set no header (QQ Mail, many
# Chinese webmails), matched anywhere: gateways and clients put "[外部邮件]", "【自动回复】",
# "Re:" or "[Auto-Reply]" in front.
AUTO_SUBJECT = re.compile(
    r"自动回复|自動回覆|自动答复|自動回复|自动应答|"
    r"\bauto[- ]?(reply|replied|response|responder)\b|\bautomatic reply\b|\bautoreply\b|"
    r"\bout of (the )?office\b|\bOOO\b|不在办公室|休假|"
    r"\bundeliverable\b|\bundelivered mail\b|\bdelivery status notification\b|\bdelivery failure\b|"
    r"\bmail delivery failed\b|\breturned mail\b|\bfailure notice\b|\bdelivery has failed\b|"
    r"退信|投递失败|发送失败|无法投递",
    re.IGNORECASE,
)
# Mailing lists (RFC 2369, RFC 2919) and the older ezmlm header.
LIST_HEADERS = (
    "list-id",
    "list-post",
    "list-archive",
    "list-help",
    "list-unsubscribe",
    "list-subscribe",
    "mailing-list",
)
# A bounce sent as plain text (qmail, old Exim, some Chinese gateways): delivery status
# fields or the words mail systems use, near the top of the text.
BOUNCE_TEXT = re.compile(
    r"^(final-recipient|original-recipient|diagnostic-code|action:\s*failed|status:\s*5\.\d+\.\d+)\b|"
    r"this is the mail system at host|i'm sorry to have to inform you that your message could not|"
    r"this is the qmail-send program|message could not be delivered to|delivery to the following recipients? failed|"
    r"could not be delivered to one or more recipients|"
    r"退信原因|邮件未能送达|此邮件无法投递|系统退信",
    re.IGNORECASE | re.MULTILINE,
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
    for name in LIST_HEADERS:
        if name in h:
            return f"mailing list ({name})"
    if "x-failed-recipients" in h:
        return "bounce (X-Failed-Recipients)"
    if "return-path" in h and h["return-path"].strip() in ("<>", ""):
        return "empty Return-Path (a bounce)"
    if mail.content_type == "multipart/report":
        return "delivery or read report (multipart/report; %s)" % (mail.report_type or "?")
    if DAEMON_SENDERS.match(mail.from_address or ""):
        return f"sent by a mail system ({mail.from_address})"
    subject = unicodedata.normalize("NFKC", mail.subject or "")
    if AUTO_SUBJECT.search(subject):
        return "automatic reply by its subject"
    if BOUNCE_TEXT.search((mail.text or "")[:3000]):
        return "bounce by its text"
    return ""


def case_numbers_in(text: str) -> list[str]:
    """Every case number written in `text`, in canonical form (CS202611-000123), in order."""
    folded = unicodedata.normalize("NFKC", text or "")
    return [f"CS{match.group(1)}-{match.group(2)}" for match in CASE_NUMBER.finditer(folded)]


def referenced_case_numbers(mail: ParsedMail) -> list[str]:
    """The cases a reply may be about, best first: the one our quoted Message-IDs name (they
    were written by us, a subject is typed by people), then the numbers in the subject."""
    found = [case_number_from_message_ids(f"{mail.in_reply_to} {mail.references}") or ""]
    found += case_numbers_in(mail.subject)
    return list(dict.fromkeys(number for number in found if number))


def referenced_case_number(mail: ParsedMail) -> str:
    numbers = referenced_case_numbers(mail)
    return numbers[0] if numbers else ""


_QUOTE_STARTS = [
    re.compile(p, re.IGNORECASE | re.MULTILINE)
    for p in (
        # "-----Original Message-----", QQ Mail's "------------------ 原始邮件 ------------------"
        # (with no-break spaces, or none), Foxmail's "———— 原始邮件 ————".
        # QQ Mail's text part keeps the HTML's "&nbsp;" as it is.
        r"^([ \t\xa0\u3000]|&nbsp;)*[-—–_=]{2,}([ \t\xa0\u3000]|&nbsp;)*"
        r"(original message|original|原始邮件|原始郵件|forwarded message|转发邮件)"
        r"([ \t\xa0\u3000]|&nbsp;)*[-—–_=]{2,}",
        r"^_{10,}\s*$",
        # Gmail's "On … wrote:" / "在 … 写道：", which mail clients often wrap over two lines.
        r"^On [^\n]{5,200}(\n[^\n]{0,200})?[ \t]*wrote:[ \t]*$",
        r"^在[ \t\xa0][^\n]{5,200}(\n[^\n]{0,200})?写道[:：][ \t]*$",
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
