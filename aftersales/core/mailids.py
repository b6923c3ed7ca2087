"""Message-IDs of the mail we send, and how to recognise them when they come back.

Every message the desk sends carries a Message-ID of the form
``<as.{case number or "none"}.{random}@{MAIL_DOMAIN}>``. Replies quote it in In-Reply-To or
References, so an incoming reply finds its case from the ID alone, and a message whose own
Message-ID has this shape is one of ours coming back (a loop) and is never treated as new mail.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings

_CASE_NUMBER = r"CS\d{6}-\d{6}"


def mail_domain() -> str:
    return settings.MAIL_DOMAIN


def make_message_id(case_number: str | None = None) -> str:
    """A new Message-ID (with angle brackets) for a message about `case_number` (or none)."""
    return f"<as.{case_number or 'none'}.{secrets.token_hex(8)}@{mail_domain()}>"


def _pattern() -> re.Pattern:
    return re.compile(rf"<?as\.({_CASE_NUMBER}|none)\.[0-9a-f]+@{re.escape(mail_domain())}>?", re.IGNORECASE)


def is_our_message_id(message_id: str | None) -> bool:
    return message_id is not None and bool(_pattern().fullmatch(message_id.strip()))


def case_number_from_message_ids(header_value: str | None) -> str | None:
    """The case number of the first of our Message-IDs in an In-Reply-To/References value."""
    for match in _pattern().finditer(header_value or ""):
        if match.group(1).lower() != "none":
            return match.group(1).upper()
    return None
