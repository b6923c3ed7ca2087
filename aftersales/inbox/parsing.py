"""Reading a raw e-mail: headers, text, sanitised HTML, attachments. No database here.

Chinese mail is often labelled with a narrower charset than it uses (GB2312 labels on GBK or
GB18030 text, Big5 on CP950), and some clients (older Foxmail, some webmail) put raw 8-bit
bytes in headers. So headers are decoded here from their raw values, each charset label is
widened to its superset, and every decode falls back step by step rather than failing.

`parse_message` raises `UnparseableMail` (with a reason) only when the bytes are not an
e-mail at all or a multipart message's parts cannot be found; everything else is read on a
best-effort basis and what could not be read is listed in `problems`.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email
import email.parser
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import errors, policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

import nh3

from aftersales.core.uploads import safe_filename

# A label → the codec that decodes everything mail labelled so actually contains.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "big5": "cp950",
    "x-big5": "cp950",
    "cp950": "cp950",
    "big5-hkscs": "big5hkscs",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
}
# Tried in this order when the label is missing or wrong.
FALLBACK_CHARSETS = ("utf-8", "gb18030", "cp950")
# Tried right after a label of the family, before the fallbacks: Hong Kong mail labelled Big5
# carries HKSCS characters that CP950 lacks, and GB18030 would "decode" them as mojibake.
CHARSET_FAMILY = {"cp950": ("big5hkscs",), "big5hkscs": ("cp950",)}

# HTML kept from a message: no images (remote images track the reader; inline ones are
# attachments), no styles or scripts, links that do not tell the sender who clicked.
HTML_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img"}
NO_BODY_DEFECTS = (errors.StartBoundaryNotFoundDefect, errors.MultipartInvariantViolationDefect)
BASE64_DEFECTS = (
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
)


class UnparseableMail(Exception):
    """The bytes cannot be read as an e-mail; the message goes to quarantine with `reason`."""


@dataclass
class MailPart:
    name: str
    content_type: str
    data: bytes
    inline: bool = False
    problem: str = ""


@dataclass
class ParsedMail:
    message_id: str = ""
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    date: dt.datetime | None = None
    in_reply_to: str = ""
    references: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    report_type: str = ""
    text: str = ""
    html: str = ""
    attachments: list[MailPart] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --- charsets and headers ----------------------------------------------------------------


def codec_for(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip('"').lower()
    return CHARSET_SUPERSETS.get(label, label)


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Decode with the (widened) declared charset, then the usual suspects, never failing."""
    tried = []
    declared = codec_for(label)
    for codec in (declared, *CHARSET_FAMILY.get(declared or "", ()), *FALLBACK_CHARSETS):
        if not codec or codec in tried:
            continue
        tried.append(codec)
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec_for(label) if _known(label) else "utf-8", errors="replace")


def _known(label: str | None) -> bool:
    import codecs

    try:
        return bool(label) and bool(codecs.lookup(codec_for(label)))
    except LookupError:
        return False


def _raw_bytes(value: str) -> bytes:
    # Raw 8-bit header bytes arrive as surrogate escapes; get the bytes back.
    return value.encode("ascii", "surrogateescape") if isinstance(value, str) else bytes(value)


# Characters no database column should hold: NUL (PostgreSQL refuses it in text and JSON)
# and the other C0 controls except tab and line breaks.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable(text: str) -> str:
    """`text` as every database stores it: no NUL or control characters, no lone surrogates
    (left by undecodable bytes), which PostgreSQL refuses and SQLite keeps."""
    if not text:
        return ""
    text = _UNSTORABLE.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8")


ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "bB":
            return binascii.a2b_base64(text + "=" * (-len(text) % 4))
        return binascii.a2b_qp(text.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_encoded_words(text: str) -> str:
    """RFC 2047 encoded words wherever they occur, mixed with raw text (a subject of encoded
    words and raw UTF-8, a word glued to a Chinese prefix). Adjacent words of one charset are
    joined before decoding, as clients split a multi-byte character across two words."""
    pieces: list[tuple[str, object]] = []  # ("text", str) or (charset, bytes)
    position = 0
    for match in ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] != "text"):
            pieces.append(("text", between))
        data = _word_bytes(match.group(2), match.group(3))
        charset = match.group(1).split("*", 1)[0].lower()
        if data is None:
            pieces.append(("text", match.group(0)))
        elif pieces and pieces[-1][0] == charset:
            pieces[-1] = (charset, pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
        position = match.end()
    pieces.append(("text", text[position:]))
    return "".join(
        value if kind == "text" else decode_bytes(value, kind)  # type: ignore[arg-type]
        for kind, value in pieces
    )


def _raw_text(value) -> str:
    raw = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw = decode_bytes(_raw_bytes(raw))
    return raw


def decode_header_value(value) -> str:
    """An RFC 2047 header (or raw 8-bit bytes in one) as one line of storable text."""
    if value is None:
        return ""
    return " ".join(storable(decode_encoded_words(_raw_text(value))).split())


def _headers(message: Message) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in found:  # the first occurrence, as mail clients show it
            found[key] = str(value)
    return found


_QUOTED_OR_ENCODED = re.compile(r'"(?:[^"\\]|\\.)*"|\((?:[^()\\]|\\.)*\)|' + ENCODED_WORD.pattern)
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>")


def _valid_address(address: str) -> str:
    address = address.strip().strip("<>").lower()
    return address if re.fullmatch(r"[^\s@<>,;:\"()\[\]]+@[^\s@<>,;:\"()\[\]]+", address) else ""


def _display_name(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return " ".join(storable(decode_encoded_words(text)).split())


def _address(raw: str) -> tuple[str, str]:
    """The sender's (name, address). The address is found in the header as sent, before any
    encoded word is decoded: a display name may decode to anything (``<someone@customer>``,
    a comma, a line break) and stays text."""
    text = " ".join(_raw_text(raw).split())
    # Quoted strings, comments and encoded words are names: blank them out while looking.
    masked = _QUOTED_OR_ENCODED.sub(lambda m: "x" * len(m.group(0)), text)
    angle = None
    for match in _ANGLE_ADDRESS.finditer(masked):
        if angle is not None and "," in masked[angle.end() : match.start()]:
            break  # the next mailbox of a list: the sender is the first
        angle = match  # "<a@x> <b@y>": the address is the last one, the rest is its name
    if angle:
        return _display_name(text[: angle.start()]), _valid_address(angle.group(1))
    pairs = [pair for pair in getaddresses([text]) if "@" in pair[1]]
    if not pairs:
        return "", ""
    name, address = pairs[0]
    return _display_name(name), _valid_address(address)


def _date(raw: str) -> dt.datetime | None:
    try:
        parsed = parsedate_to_datetime(decode_header_value(raw))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    try:
        parsed = parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # "31 Dec 9999 -1200" is after the last representable time
        return None
    # A date no mail was sent on (a broken clock, a made-up header) is no date at all.
    return parsed if 1970 <= parsed.year <= 2200 else None


# --- the body ----------------------------------------------------------------------------


def sanitise_html(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=set(HTML_TAGS),
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/tr|/li|/h[1-6]|/blockquote)\s*>")


def html_to_text(markup: str) -> str:
    without_tags = nh3.clean(_BLOCK_END.sub("\n", markup), tags=set(), clean_content_tags={"style", "script", "head"})
    text = html.unescape(without_tags).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _parts(message: Message):
    """Leaf parts, not descending into attached messages (a forward as attachment stays one)."""
    if message.is_multipart() and message.get_content_maintype() == "multipart":
        for part in message.get_payload():
            yield from _parts(part)
    else:
        yield message


def _filename(part: Message) -> str:
    value = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded text)
        charset, _language, text = value
        return decode_bytes(_raw_bytes(text), charset or None)
    # Many clients put RFC 2047 encoded-words (or raw bytes) in file names.
    return decode_header_value(value.strip('"'))


def _is_attachment(part: Message, name: str) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment" or part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_maintype() == "text" and part.get_content_type() in ("text/plain", "text/html"):
        return bool(name) and disposition != "inline"
    return True  # images, PDFs, anything else that is not the text


def _payload(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes(policy=policy.compat32) if isinstance(inner, Message) else _raw_bytes(str(inner))
    data = part.get_payload(decode=True)
    return data if data is not None else b""


_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "application/pdf": "pdf",
    "text/calendar": "ics",
    "text/plain": "txt",
    "text/html": "html",
}


def _attachment_name(part: Message, name: str, index: int) -> str:
    """A name safe to store: the sender's if anything of it is left after taking out paths,
    dots and control characters; otherwise one made from the part's position and type."""
    if part.get_content_type() == "message/rfc822":
        fallback = f"forwarded-{index}.eml"
    else:
        extension = _EXTENSIONS.get(part.get_content_type(), "dat")
        fallback = f"attachment-{index}.{extension}"
    return safe_filename(name, fallback=fallback)


def _read_body(message: Message, parsed: ParsedMail) -> None:
    texts, htmls = [], []
    for index, part in enumerate(_parts(message), start=1):
        name = _filename(part)
        data = _payload(part)  # decoding records the defects of the part
        if _is_attachment(part, name):
            problem = ""
            if any(isinstance(defect, BASE64_DEFECTS) for defect in part.defects):
                problem = "damaged"
            parsed.attachments.append(
                MailPart(
                    name=_attachment_name(part, name, index),
                    content_type=part.get_content_type(),
                    data=data,
                    inline=(part.get_content_disposition() or "") == "inline" or bool(part.get("Content-ID")),
                    problem=problem,
                )
            )
            continue
        content = decode_bytes(data, part.get_content_charset())
        if any(isinstance(defect, BASE64_DEFECTS) for defect in part.defects):
            parsed.problems.append("text part with damaged base64, read as far as possible")
        (htmls if part.get_content_type() == "text/html" else texts).append(content)
    if htmls:
        parsed.html = sanitise_html("\n".join(htmls))
    parsed.text = "\n\n".join(t.strip() for t in texts).strip() if texts else html_to_text("\n".join(htmls))


# --- the whole message -------------------------------------------------------------------


def _read(raw: bytes, mail_policy) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=mail_policy)
    headers = _headers(message)
    if not headers:
        raise UnparseableMail("no e-mail headers found")
    if any(isinstance(defect, NO_BODY_DEFECTS) for defect in message.defects):
        raise UnparseableMail(
            "multipart message whose parts cannot be found (the boundary %r never occurs)"
            % (message.get_param("boundary") or "")
        )
    parsed = ParsedMail(headers=headers)
    parsed.message_id = decode_header_value(headers.get("message-id", "")).strip()
    parsed.subject = decode_header_value(headers.get("subject", ""))
    parsed.from_name, parsed.from_address = _address(headers.get("from", ""))
    parsed.date = _date(headers.get("date", ""))
    parsed.in_reply_to = decode_header_value(headers.get("in-reply-to", ""))
    parsed.references = decode_header_value(headers.get("references", ""))
    parsed.content_type = message.get_content_type()
    parsed.report_type = (message.get_param("report-type") or "").lower() if parsed.content_type else ""
    _read_body(message, parsed)
    parsed.text = storable(parsed.text.replace("\r\n", "\n"))
    parsed.html = storable(parsed.html)
    parsed.headers = {key: storable(value) for key, value in headers.items()}
    return parsed


def parse_message(raw: bytes) -> ParsedMail:
    """Read `raw`; the modern parser first, the tolerant legacy one if the modern one fails."""
    if not raw or not raw.strip():
        raise UnparseableMail("empty message")
    try:
        return _read(raw, policy.default)
    except UnparseableMail:
        raise
    except Exception as modern_error:
        try:
            parsed = _read(raw, policy.compat32)
        except UnparseableMail:
            raise
        except Exception as legacy_error:
            raise UnparseableMail(
                f"cannot be parsed: {type(modern_error).__name__}: {modern_error}; "
                f"legacy parser: {type(legacy_error).__name__}: {legacy_error}"
            ) from legacy_error
        parsed.problems.append(f"read with the legacy parser ({type(modern_error).__name__})")
        return parsed


def sniff_message_id(raw: bytes) -> str:
    """The Message-ID from the headers alone (for de-duplication before a full parse)."""
    try:
        headers = email.parser.BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        return decode_header_value(headers.get("Message-ID", "")).strip()[:500]
    except Exception:
        return ""


# Headers that say which message this is. Trace headers (Received, Delivered-To, Return-Path,
# X-Original-To …) differ between two deliveries of one message and are left out.
IDENTITY_HEADERS = ("message-id", "from", "to", "cc", "subject", "date", "in-reply-to", "references", "content-type")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def content_digest(raw: bytes) -> str:
    """What makes two fetched copies one message: its identity headers and its body, not the
    Message-ID alone (scan-to-mail gateways send every scan as "<1@localhost>")."""
    raw = bytes(raw)
    end = _HEADER_END.search(raw)
    if end is None:
        return hashlib.sha256(raw).hexdigest()
    try:
        headers = email.parser.BytesHeaderParser(policy=policy.compat32).parsebytes(raw[: end.start()])
    except Exception:
        return hashlib.sha256(raw).hexdigest()
    digest = hashlib.sha256()
    for name in IDENTITY_HEADERS:
        for value in headers.get_all(name) or []:
            digest.update(
                name.encode() + b":" + " ".join(str(value).split()).encode("utf-8", "surrogateescape") + b"\n"
            )
    digest.update(b"\n" + raw[end.end() :].replace(b"\r\n", b"\n"))
    return digest.hexdigest()
