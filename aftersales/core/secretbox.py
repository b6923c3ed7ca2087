"""Secrets kept in the database (a mailbox's IMAP password) are stored encrypted.

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with a key from SECRETS_KEY, or, when
that is empty, derived from SECRET_KEY. Changing the key makes stored secrets unreadable, so
a site that rotates SECRET_KEY sets SECRETS_KEY once and keeps it; SECRETS_KEY_OLD may hold
former keys (comma-separated) that are still read. docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"


class UnreadableSecret(ValueError):
    """A stored secret that none of the configured keys opens."""


def _fernet(material: str) -> Fernet:
    # Any text becomes a valid 32-byte Fernet key; the label keeps it apart from other uses
    # of the same SECRET_KEY.
    digest = hashlib.sha256(b"aftersales.secretbox:" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _box() -> MultiFernet:
    current = settings.SECRETS_KEY or settings.SECRET_KEY
    return MultiFernet([_fernet(current), *(_fernet(old) for old in settings.SECRETS_KEY_OLD)])


def seal(plain: str) -> str:
    """The text to store for `plain` ("" stays "": nothing to hide)."""
    if not plain:
        return ""
    return PREFIX + _box().encrypt(plain.encode()).decode()


def open_sealed(stored: str) -> str:
    """The plain secret of a stored value; UnreadableSecret if no key opens it."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise UnreadableSecret("the stored value is not sealed")
    try:
        return _box().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("no configured key opens the stored secret") from None
