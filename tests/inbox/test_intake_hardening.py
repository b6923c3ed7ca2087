"""The intake never stalls on one message, and routes replies to closed and merged cases.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL (which refuses NUL bytes in text),
through a real IMAP server (dovecot) and a Maildir folder."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import DataError
from django.utils import timezone

from aftersales.cases import services as case_services
from aftersales.cases.models import Case, EventKind, Status
from aftersales.inbox import services as inbox_services
from aftersales.inbox.fetch import process_inbox
from aftersales.inbox.models import InboundMessage, IntakeSettings, Mailbox, Outcome
from aftersales.inbox.services import ingest
from aftersales.notifications.models import Notification
from tests.inbox.conftest import raw
from tests.inbox.test_fetch import _append, _flags, _maildir, _unseen

BAD = [
    "37_nul_in_body.eml",
    "38_nul_in_encoded_subject.eml",
    "39_nul_in_sender_name.eml",
    "28_not_an_email.eml",
    "26_broken_boundary.eml",
    "71_date_before_year_one.eml",
    "72_date_in_year_9999.eml",
]
GOOD_BEHIND = "03_foxmail_new_gbk_encoded_filename.eml"


def _every_message_ended_somewhere():
    assert InboundMessage.objects.count() == len(BAD) + 1
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) <= {
        Outcome.OPENED_CASE,
        Outcome.QUARANTINED,
    }
    good = InboundMessage.objects.get(subject__contains="急诊楼呼叫中心座席无法登录")
    assert good.outcome == Outcome.OPENED_CASE and good.case is not None


def test_bad_mail_through_imap_never_holds_up_the_mail_behind_it(mail_world, dovecot, imap_mailbox):
    _append(dovecot, imap_mailbox.username, [raw(name) for name in [*BAD, GOOD_BEHIND]])

    report = process_inbox()

    assert "error" not in report[imap_mailbox.name], imap_mailbox.last_error
    _every_message_ended_somewhere()
    assert _unseen(dovecot, imap_mailbox.username) == 0
    assert all(b"\\Seen" in item for item in _flags(dovecot, imap_mailbox.username))
    assert process_inbox()[imap_mailbox.name] == {}  # nothing waits for the next minute


def test_bad_mail_in_a_maildir_never_holds_up_the_mail_behind_it(mail_world, tmp_path):
    maildir = _maildir(tmp_path)
    for index, name in enumerate([*BAD, GOOD_BEHIND]):
        (maildir / "new" / f"17000000{index:02d}.M{index}.host").write_bytes(raw(name))
    mailbox = Mailbox.objects.create(name="local", kind=Mailbox.Kind.MAILDIR, path=str(maildir))

    report = process_inbox()

    assert "error" not in report[mailbox.name]
    _every_message_ended_somewhere()
    assert list((maildir / "new").iterdir()) == []
    assert all(path.name.endswith(":2,S") for path in (maildir / "cur").iterdir())
    assert process_inbox()[mailbox.name] == {}


@pytest.mark.parametrize(
    "failure",
    [
        DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
        ValueError("A string literal cannot contain NUL (0x00) characters."),
        RuntimeError("anything else"),
    ],
)
def test_a_message_whose_handling_fails_is_quarantined_with_what_was_read(mail_world, monkeypatch, failure):
    def refuse(*args, **kwargs):
        raise failure

    monkeypatch.setattr(inbox_services, "_route", refuse)
    result = ingest(raw("38_nul_in_encoded_subject.eml"))

    message = InboundMessage.objects.get(pk=result.message.pk)
    assert message.outcome == Outcome.QUARANTINED
    assert str(failure) in message.reason
    assert message.subject == "录音服务ab" and message.from_address == "zhang.wei@hospital-a.cn"
    assert bytes(message.raw) == raw("38_nul_in_encoded_subject.eml")
    # The next message is handled as usual.
    monkeypatch.undo()
    assert ingest(raw(GOOD_BEHIND)).outcome == Outcome.OPENED_CASE


# --- duplicates: by content, not by Message-ID alone ---------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "duplicate"),
    [
        ("59_scanner_first_scan.eml", "60_scanner_second_scan.eml", False),
        ("03_foxmail_new_gbk_encoded_filename.eml", "24_same_message_id_as_03.eml", True),
        ("23_missing_date_and_message_id.eml", "23_missing_date_and_message_id.eml", True),
    ],
)
def test_a_duplicate_is_the_same_content_not_only_the_same_message_id(mail_world, first, second, duplicate):
    ingest(raw(first))
    assert ingest(raw(second)).duplicate is duplicate
    assert InboundMessage.objects.count() == (1 if duplicate else 2)


def test_the_same_message_through_imap_with_crlf_and_maildir_with_lf_is_one(mail_world):
    ingest(raw("09_foxmail_reply_references.eml"))
    assert ingest(raw("09_foxmail_reply_references.eml").replace(b"\r\n", b"\n")).duplicate


# --- replies to closed and merged cases ---------------------------------------------------------


def _close(case, engineer, manager):
    for action, text in (("accept", ""), ("start", ""), ("resolve", "已更换板卡")):
        case_services.transition(case=case, action=action, by=engineer, text=text)
    return case_services.transition(case=case, action="close", by=manager)


REPLY_TO_A = "01_outlook_reply_subject_number_gb2312.eml"


@pytest.mark.parametrize(("days_later", "window"), [(1, 14), (13, 14), (20, 30)])
def test_a_reply_to_a_recently_closed_case_reopens_it(mail_world, engineer, manager, days_later, window):
    IntakeSettings.objects.update_or_create(pk=1, defaults={"reopen_window_days": window})
    case = _close(mail_world.case_A, engineer, manager)

    with time_machine.travel(case.closed_at + dt.timedelta(days=days_later), tick=False):
        result = ingest(raw(REPLY_TO_A))

    case.refresh_from_db()
    assert (result.outcome, result.message.case) == (Outcome.ADDED_TO_CASE, case)
    assert case.status == Status.REOPENED
    reopened = case.events.filter(kind=EventKind.STATUS, to_status=Status.REOPENED).get()
    assert "zhang.wei@hospital-a.cn" in reopened.text and f"{window}" in reopened.text
    assert case.events.filter(kind=EventKind.REPLY, text__contains="朱镕基路分院也一样").exists()
    notice = Notification.objects.get(kind=Notification.Kind.MAIL_ON_CLOSED_CASE)
    assert (notice.recipient, notice.case) == (engineer, case)


@pytest.mark.parametrize(("days_later", "window"), [(15, 14), (40, 30), (2, 0)])
def test_a_reply_to_a_case_closed_long_ago_opens_a_linked_case(mail_world, engineer, manager, days_later, window):
    IntakeSettings.objects.update_or_create(pk=1, defaults={"reopen_window_days": window})
    case = _close(mail_world.case_A, engineer, manager)

    with time_machine.travel(case.closed_at + dt.timedelta(days=days_later), tick=False):
        result = ingest(raw(REPLY_TO_A))

    case.refresh_from_db()
    follow_up = result.message.case
    assert result.outcome == Outcome.OPENED_CASE and follow_up != case
    assert case.status == Status.CLOSED  # left closed
    assert (follow_up.follow_up_of, follow_up.customer, follow_up.contact) == (case, case.customer, mail_world.zhang)
    assert case.events.filter(kind=EventKind.NOTE, text__contains=follow_up.number).exists()
    assert follow_up.events.filter(kind=EventKind.NOTE, text__contains=case.number).exists()
    assert not case.events.filter(kind=EventKind.REPLY).exists()  # never added silently
    notice = Notification.objects.get(kind=Notification.Kind.MAIL_ON_CLOSED_CASE)
    assert (notice.recipient, notice.case, notice.payload["follow_up"]) == (engineer, case, follow_up.number)


def test_the_reopen_window_defaults_to_14_days(db):
    assert IntakeSettings.current().reopen_window_days == 14


@pytest.mark.parametrize("hops", [1, 2])
def test_a_reply_to_a_merged_case_goes_to_the_case_it_was_merged_into(mail_world, agent, hops):
    chain = [mail_world.case_A]
    for _ in range(hops):
        newer = case_services.open_case(
            customer=mail_world.A,
            contact=mail_world.zhang,
            by=agent,
            title="同一故障",
            description="重复报修",
            kind="fault",
            severity="C",
            channel="phone",
        )
        case_services.transition(case=chain[-1], action="merge", by=agent, text="重复", merge_into=newer)
        chain.append(newer)

    result = ingest(raw(REPLY_TO_A))

    assert (result.outcome, result.message.case) == (Outcome.ADDED_TO_CASE, chain[-1])
    assert chain[-1].events.filter(kind=EventKind.REPLY, text__contains="朱镕基路分院也一样").exists()
    assert not Case.objects.get(pk=mail_world.case_A.pk).events.filter(kind=EventKind.REPLY).exists()


def test_a_colleague_copied_on_the_case_may_write_to_it_but_not_after_the_copy_is_removed(mail_world, agent):
    reply = raw("02_gmail_reply_in_reply_to_utf8_qp.eml")
    case_services.set_copies(case=mail_world.case_A, by=agent, contacts=[])

    result = ingest(reply)

    assert result.outcome == Outcome.TRIAGE and "may not see that case" in result.message.reason
    assert not mail_world.case_A.events.filter(kind=EventKind.REPLY).exists()


def test_automatic_mail_turned_into_a_case_by_the_desk_is_not_acknowledged(mail_world, agent):
    message = ingest(raw("46_auto_reply_in_brackets.eml")).message
    assert message.outcome == Outcome.IGNORED_AUTO

    case = inbox_services.open_case_from_message(message=message, by=agent, customer=mail_world.A)

    assert not Notification.objects.filter(case=case, kind=Notification.Kind.ACKNOWLEDGEMENT).exists()
    assert timezone.now() >= case.opened_at


@pytest.mark.parametrize(
    ("days_later", "language", "words"),
    [
        (1, "zh-hans", "此邮件已将其重新打开"),
        (1, "en", "the e-mail reopened it"),
        (30, "zh-hans", "此邮件已开立关联的案例"),
        (30, "en", "The e-mail opened case"),
    ],
)
def test_the_owner_is_told_in_their_language(mail_world, engineer, manager, days_later, language, words):
    from aftersales.notifications.rendering import render_request

    case = _close(mail_world.case_A, engineer, manager)
    with time_machine.travel(case.closed_at + dt.timedelta(days=days_later), tick=False):
        ingest(raw(REPLY_TO_A))

    rendered = render_request(Notification.objects.get(kind=Notification.Kind.MAIL_ON_CLOSED_CASE), language)

    assert words in rendered.text and case.number in rendered.subject
    assert "zhang.wei@hospital-a.cn" in rendered.text and "zhang.wei@hospital-a.cn" in rendered.html
