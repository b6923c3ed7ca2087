"""Storing once, the intake account, the command and the worker's task."""

from __future__ import annotations

from django.core.management import call_command

from aftersales.cases.models import Case
from aftersales.inbox.models import MAIL_INTAKE_USERNAME, InboundMessage, Mailbox, Outcome
from aftersales.inbox.services import ingest
from tests.inbox.conftest import MAIL_DIR, raw


def test_same_content_without_message_id_is_stored_once(mail_world):
    first = ingest(raw("23_missing_date_and_message_id.eml"))
    second = ingest(raw("23_missing_date_and_message_id.eml"))
    assert (first.outcome, second.outcome) == ("opened_case", "duplicate")
    assert second.message.pk == first.message.pk
    assert InboundMessage.objects.count() == 1 and Case.objects.filter(channel="email").count() == 1
    # Different content without a Message-ID is another message.
    assert not ingest(raw("23_missing_date_and_message_id.eml") + b"\n").duplicate


def test_mail_from_the_mailbox_own_address_is_a_loop(mail_world):
    mailbox = Mailbox.objects.create(name="desk", host="imap.example.cn", username="wang.fang@hospital-a.cn")
    result = ingest(raw("05_outlook_new_big5_qp_subject.eml"), mailbox=mailbox)
    assert result.outcome == Outcome.IGNORED_LOOP and result.message.case is None


def test_mail_intake_account_exists_with_hotline_rights(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=MAIL_INTAKE_USERNAME)
    assert user.can_take_calls and not user.has_usable_password()


def test_command_reads_files(mail_world, capsys):
    call_command("process_inbox", str(MAIL_DIR / "07_unknown_sender.eml"))
    assert "triage" in capsys.readouterr().out
    assert InboundMessage.objects.get().outcome == Outcome.TRIAGE


def test_worker_fetches_every_minute(mail_world, tmp_path):
    from aftersales.inbox.tasks import fetch_mail

    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.host").write_bytes(raw("04_qqmail_new_gb18030.eml"))
    Mailbox.objects.create(name="local", kind=Mailbox.Kind.MAILDIR, path=str(maildir))
    assert fetch_mail.call_local() == {"local": {"opened_case": 1}}
    import datetime as dt

    task = fetch_mail.task_class()
    assert task.validate_datetime(dt.datetime(2026, 11, 2, 9, 17))  # due every minute
    assert task.validate_datetime(dt.datetime(2026, 11, 2, 9, 18))
