"""Phone numbers as people type them: spaces, dashes, brackets, +86 / 0086 prefixes.

Pure module, no Django models. `normalise_phone` returns the digits a person would dial
inside China (mobile `13812345678`, landline with area code `02161234567`, service numbers
`4008208820`, short numbers `95588`), optionally with an extension after `-`.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().\u3000（）－—]+")
_EXTENSION = re.compile(r"(?:ext\.?|x|转|分机)\s*(\d{1,6})$", re.IGNORECASE)


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str) -> str:
    """The canonical form of `raw`, or InvalidPhone if it cannot be a Chinese phone number."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty")
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension = match.group(1)
        text = text[: match.start()]
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = _national(digits[3:])
    elif digits.startswith("0086"):
        digits = _national(digits[4:])
    if not digits.isdigit():
        raise InvalidPhone(raw)
    if not _plausible(digits):
        raise InvalidPhone(raw)
    return f"{digits}-{extension}" if extension else digits


def _national(rest: str) -> str:
    # After the country code a landline loses its trunk 0: +86 21 6123 4567 -> 021 6123 4567.
    if rest.startswith("1") and len(rest) == 11:
        return rest
    return rest if rest.startswith("0") else "0" + rest


def _plausible(digits: str) -> bool:
    if digits.startswith("1"):
        # Mobile (11 digits, 13x-19x) or a short service number (95588, 12345, 10086).
        return (len(digits) == 11 and digits[1] in "3456789") or 5 <= len(digits) <= 6
    if digits.startswith(("400", "800")):
        return len(digits) == 10
    if digits.startswith("0"):
        return 10 <= len(digits) <= 12  # area code (3-4 digits incl. 0) + 7-8 digit number
    if digits.startswith("9"):
        return 5 <= len(digits) <= 6
    # A local number without area code (7-8 digits) is accepted as typed.
    return 7 <= len(digits) <= 8


def phone_search_key(fragment: str) -> str:
    """Digits of a partial number typed in a search box ("138 1234" -> "1381234")."""
    text = _SEPARATORS.sub("", fragment or "")
    if text.startswith("+86"):
        text = text[3:]
    return text if text.isdigit() else ""
