"""Fetching from a real IMAP server (dovecot) and from a Maildir folder: everything new is
stored once, marked seen only after it is stored, and fetched mail is never lost."""

from __future__ import annotations

import imaplib
import time
from collections import Counter

import pytest
from django.db import OperationalError

from aftersales.inbox import fetch
from aftersales.inbox.fetch import fetch_mailbox, process_inbox
from aftersales.inbox.models import InboundMessage, Mailbox, Outcome
from aftersales.inbox.services import ingest
from tests.inbox.conftest import EXPECTED, MAIL_DIR, raw
from tests.inbox.dovecot import PASSWORD


def _imap(dovecot, user) -> imaplib.IMAP4:
    connection = imaplib.IMAP4("127.0.0.1", dovecot.port)
    connection.login(user, PASSWORD)
    return connection


def _append(dovecot, user, messages, flags="", folder="INBOX"):
    connection = _imap(dovecot, user)
    for message in messages:
        status, _ = connection.append(folder, flags or None, imaplib.Time2Internaldate(time.time()), message)
        assert status == "OK"
    connection.logout()


def _flags(dovecot, user, folder="INBOX") -> list[bytes]:
    connection = _imap(dovecot, user)
    _, count = connection.select(folder, readonly=True)
    if count[0] == b"0":
        connection.logout()
        return []
    _, data = connection.fetch("1:*", "(FLAGS)")
    connection.logout()
    return [item for item in data if item]


def _unseen(dovecot, user, folder="INBOX") -> int:
    connection = _imap(dovecot, user)
    connection.select(folder, readonly=True)
    _, data = connection.search(None, "UNSEEN")
    connection.logout()
    return len(data[0].split())


def test_the_whole_corpus_through_imap(mail_world, dovecot, imap_mailbox):
    names = sorted(EXPECTED)
    _append(dovecot, imap_mailbox.username, [raw(name) for name in names])
    already_read = b"From: zhang.wei@hospital-a.cn\r\nSubject: read elsewhere\r\nMessage-ID: <seen.1@x>\r\n\r\nhi\r\n"
    _append(dovecot, imap_mailbox.username, [already_read], flags="(\\Seen)")

    report = process_inbox()

    expected = Counter(entry["outcome"] for entry in EXPECTED.values())
    assert report[imap_mailbox.name] == dict(expected)
    assert InboundMessage.objects.count() == len(names) - expected["duplicate"]
    assert not InboundMessage.objects.filter(subject="read elsewhere").exists()  # already \Seen: not ours to take
    flags = _flags(dovecot, imap_mailbox.username)
    assert len(flags) == len(names) + 1 and all(b"\\Seen" in item for item in flags)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_fetched_at is not None and imap_mailbox.last_error == ""
    # The next minute: nothing new, nothing stored twice.
    assert process_inbox()[imap_mailbox.name] == {}


def test_message_stays_unseen_when_it_cannot_be_stored(mail_world, dovecot, imap_mailbox, monkeypatch):
    _append(dovecot, imap_mailbox.username, [raw("03_foxmail_new_gbk_encoded_filename.eml")])

    def database_down(raw_message, *, mailbox=None):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(fetch, "ingest", database_down)
    with pytest.raises(OperationalError):
        fetch_mailbox(imap_mailbox)
    assert _unseen(dovecot, imap_mailbox.username) == 1
    imap_mailbox.refresh_from_db()
    assert "could not connect" in imap_mailbox.last_error

    monkeypatch.setattr(fetch, "ingest", ingest)
    assert fetch_mailbox(imap_mailbox) == Counter({"opened_case": 1})
    assert _unseen(dovecot, imap_mailbox.username) == 0


def test_crash_after_commit_before_seen_only_means_a_duplicate(mail_world, dovecot, imap_mailbox):
    message = raw("09_foxmail_reply_references.eml")
    _append(dovecot, imap_mailbox.username, [message])
    ingest(message, mailbox=imap_mailbox)  # stored and committed; the worker died before \Seen

    assert fetch_mailbox(imap_mailbox) == Counter({"duplicate": 1})
    assert InboundMessage.objects.count() == 1
    assert mail_world.case_B.events.filter(kind="reply").count() == 1
    assert _unseen(dovecot, imap_mailbox.username) == 0


def test_processed_mail_is_moved_when_asked(mail_world, dovecot, imap_mailbox):
    connection = _imap(dovecot, imap_mailbox.username)
    assert connection.create("Processed")[0] == "OK"
    connection.logout()
    _append(dovecot, imap_mailbox.username, [raw("07_unknown_sender.eml"), raw("14_mailing_list.eml")])
    imap_mailbox.move_to = "Processed"
    imap_mailbox.save()

    assert fetch_mailbox(imap_mailbox) == Counter({"triage": 1, "ignored_auto": 1})
    assert _flags(dovecot, imap_mailbox.username) == []
    assert len(_flags(dovecot, imap_mailbox.username, "Processed")) == 2


def test_wrong_password_is_recorded_on_the_mailbox_and_others_still_run(mail_world, dovecot, imap_mailbox, tmp_path):
    imap_mailbox.password_env = ""
    imap_mailbox.password = "wrong"
    imap_mailbox.save()
    maildir = _maildir(tmp_path)
    (maildir / "new" / "1.host").write_bytes(raw("07_unknown_sender.eml"))
    local = Mailbox.objects.create(name="local", kind=Mailbox.Kind.MAILDIR, path=str(maildir))

    report = process_inbox()

    assert report[imap_mailbox.name] == {"error": 1}
    assert report[local.name] == {"triage": 1}
    imap_mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in imap_mailbox.last_error or "failed" in imap_mailbox.last_error.lower()


# --- Maildir ---------------------------------------------------------------------------------


def _maildir(base):
    for sub in ("new", "cur", "tmp"):
        (base / "Maildir" / sub).mkdir(parents=True)
    return base / "Maildir"


def test_maildir_new_and_unseen_mail_is_processed_and_marked_seen(mail_world, tmp_path):
    maildir = _maildir(tmp_path)
    (maildir / "new" / "1700000001.M1P1.host").write_bytes(raw("03_foxmail_new_gbk_encoded_filename.eml"))
    (maildir / "cur" / "1700000002.M2P2.host:2,F").write_bytes(raw("09_foxmail_reply_references.eml"))
    (maildir / "cur" / "1700000003.M3P3.host:2,S").write_bytes(raw("07_unknown_sender.eml"))
    mailbox = Mailbox.objects.create(name="local", kind=Mailbox.Kind.MAILDIR, path=str(maildir))

    assert fetch_mailbox(mailbox) == Counter({"opened_case": 1, "added_to_case": 1})

    assert list((maildir / "new").iterdir()) == []
    assert sorted(p.name for p in (maildir / "cur").iterdir()) == [
        "1700000001.M1P1.host:2,S",
        "1700000002.M2P2.host:2,FS",
        "1700000003.M3P3.host:2,S",
    ]
    assert not InboundMessage.objects.filter(outcome=Outcome.TRIAGE).exists()  # already seen: left alone
    assert fetch_mailbox(mailbox) == Counter()


def test_a_folder_that_is_not_a_maildir_is_an_error(db, tmp_path):
    mailbox = Mailbox.objects.create(name="bad", kind=Mailbox.Kind.MAILDIR, path=str(tmp_path / "nothing"))
    with pytest.raises(fetch.FetchError):
        fetch_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "not a Maildir" in mailbox.last_error


def test_corpus_files_exist():
    assert len(list(MAIL_DIR.glob("*.eml"))) >= 30
