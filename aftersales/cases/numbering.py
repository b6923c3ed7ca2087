"""Case numbers: `CS` + year and month (Asia/Shanghai) + `-` + a six-digit monthly sequence.

`CS202611-000123` sorts by time as text and reads aloud easily over the phone.
"""

from __future__ import annotations

import re

PREFIX = "CS"
NUMBER_RE = re.compile(r"^CS(\d{6})-(\d{6,})$")


def format_case_number(period: str, sequence: int) -> str:
    if not re.fullmatch(r"\d{6}", period) or sequence < 1:
        raise ValueError(f"bad case number parts: {period!r}, {sequence!r}")
    return f"{PREFIX}{period}-{sequence:06d}"


def looks_like_case_number(text: str) -> bool:
    return bool(NUMBER_RE.match(text.strip().upper()))
