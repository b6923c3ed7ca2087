"""Fetching from IMAP mailboxes and Maildir folders.

Order matters for not losing mail: fetch with BODY.PEEK[] (the server does not mark it seen),
store and commit (`ingest`), and only then set \\Seen (and move it, if configured). A crash
between the commit and \\Seen means the message is fetched again next time and recognised as
a duplicate; a crash before the commit means it is still unseen and simply fetched again.
"""

from __future__ import annotations

import imaplib
import logging
import os
import ssl
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from aftersales.core.metrics import MAILBOX_FETCH_ERRORS
from aftersales.inbox.models import Mailbox
from aftersales.inbox.services import ingest

logger = logging.getLogger(__name__)


class FetchError(Exception):
    pass


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.INBOX_IMAP_TIMEOUT
    if mailbox.security == Mailbox.Security.TLS:
        connection = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.get_port(), ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        connection = imaplib.IMAP4(mailbox.host, mailbox.get_port(), timeout=timeout)
        if mailbox.security == Mailbox.Security.STARTTLS:
            connection.starttls(ssl.create_default_context())
    connection.login(mailbox.username, mailbox.get_password())
    return connection


def _check(response, what: str):
    status, data = response
    if status != "OK":
        raise FetchError(f"{what}: {status} {data!r}")
    return data


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch_imap(mailbox: Mailbox, *, limit: int) -> Counter:
    counts: Counter = Counter()
    connection = _connect(mailbox)
    try:
        _check(connection.select(_quote(mailbox.folder)), f"select {mailbox.folder}")
        uids = _check(connection.uid("SEARCH", None, "UNSEEN"), "search")[0].split()
        for uid in uids[:limit]:
            try:
                data = _check(connection.uid("FETCH", uid, "(BODY.PEEK[])"), f"fetch {uid!r}")
            except FetchError as error:  # the server cannot give us this one: the next ones still
                logger.warning("mailbox %s: %s", mailbox, error)
                counts["unreadable"] += 1
                continue
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is None:
                continue  # expunged meanwhile
            # A bad message is stored in quarantine, never raised: only a failing database
            # stops the run here, and then the message stays unseen.
            result = ingest(raw, mailbox=mailbox)  # committed here
            counts[result.outcome] += 1
            _check(connection.uid("STORE", uid, "+FLAGS", "(\\Seen)"), f"mark {uid!r} seen")
            if mailbox.move_to:
                _move(connection, uid, mailbox.move_to)
        if mailbox.move_to:
            connection.expunge()
    finally:
        try:
            connection.logout()
        except Exception:
            pass
    return counts


def _move(connection: imaplib.IMAP4, uid: bytes, folder: str) -> None:
    if b"MOVE" in b" ".join(_check(connection.capability(), "capability")):
        _check(connection.uid("MOVE", uid, _quote(folder)), f"move {uid!r}")
    else:
        _check(connection.uid("COPY", uid, _quote(folder)), f"copy {uid!r}")
        _check(connection.uid("STORE", uid, "+FLAGS", "(\\Deleted)"), f"delete {uid!r}")


# --- Maildir -------------------------------------------------------------------------------


def _flags(name: str) -> str:
    return name.split(":2,", 1)[1] if ":2," in name else ""


def unseen_maildir_files(path: Path) -> list[Path]:
    """Files in new/, and files in cur/ without the S (seen) flag, oldest first."""
    found = [p for p in (path / "new").iterdir() if p.is_file() and not p.name.startswith(".")]
    found += [p for p in (path / "cur").iterdir() if p.is_file() and "S" not in _flags(p.name)]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def mark_maildir_seen(file: Path) -> Path:
    base = file.name.split(":2,", 1)[0]
    flags = "".join(sorted(set(_flags(file.name)) | {"S"}))
    target = file.parent.parent / "cur" / f"{base}:2,{flags}"
    os.replace(file, target)
    return target


def fetch_maildir(mailbox: Mailbox, *, limit: int) -> Counter:
    counts: Counter = Counter()
    path = Path(mailbox.path)
    if not (path / "new").is_dir() or not (path / "cur").is_dir():
        raise FetchError(f"{path} is not a Maildir folder (no new/ and cur/)")
    for file in unseen_maildir_files(path)[:limit]:
        try:
            raw = file.read_bytes()
        except OSError as error:  # unreadable or gone meanwhile: the next files still
            logger.warning("mailbox %s: %s", mailbox, error)
            counts["unreadable"] += 1
            continue
        result = ingest(raw, mailbox=mailbox)  # committed here
        counts[result.outcome] += 1
        mark_maildir_seen(file)
    return counts


# --- every mailbox -------------------------------------------------------------------------


def fetch_mailbox(mailbox: Mailbox, *, limit: int | None = None) -> Counter:
    """Fetch one mailbox; its last fetch time and error are recorded on it."""
    limit = limit or settings.INBOX_FETCH_LIMIT
    fetch = fetch_maildir if mailbox.kind == Mailbox.Kind.MAILDIR else fetch_imap
    try:
        counts = fetch(mailbox, limit=limit)
    except Exception as error:
        logger.warning("fetching mailbox %s failed: %s", mailbox, error)
        MAILBOX_FETCH_ERRORS.labels(mailbox=mailbox.name).inc()
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(error).__name__}: {error}"[:2000])
        raise
    Mailbox.objects.filter(pk=mailbox.pk).update(last_fetched_at=timezone.now(), last_error="")
    return counts


def process_inbox(*, mailboxes=None) -> dict[str, dict[str, int]]:
    """Fetch every active mailbox; one failing mailbox does not stop the others."""
    report: dict[str, dict[str, int]] = {}
    for mailbox in mailboxes if mailboxes is not None else Mailbox.objects.filter(is_active=True):
        try:
            report[mailbox.name] = dict(fetch_mailbox(mailbox))
        except Exception as error:
            report[mailbox.name] = {"error": 1}
            logger.info("mailbox %s: %s", mailbox, error)
    return report
