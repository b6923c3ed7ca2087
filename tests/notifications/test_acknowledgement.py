"""Every new case acknowledges itself to the customer (R2.4): by e-mail in the contact's language,
with case number, severity and the next target time; by SMS too for A and B with a mobile."""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from aftersales.accounts.roles import Role
from aftersales.cases.models import Case, Severity
from aftersales.cases.models import Channel as CaseChannel
from aftersales.cases.notices import next_target
from aftersales.core.mailids import case_number_from_message_ids, is_our_message_id
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Channel, Notification
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

ACK = Notification.Kind.ACKNOWLEDGEMENT


@pytest.fixture
def wang(customer_a):
    return ContactFactory(customer=customer_a, name="王主任", email="wang@hospital.example", mobile="13900000001")


def test_chinese_acknowledgement_names_case_severity_and_next_target(smtp, open_case, customer_a, equipment_a, wang):
    case = open_case(customer_a, equipment=equipment_a, contact=wang, severity=Severity.C)

    assert deliver_due()["sent"] == 1

    (message,) = smtp.mailbox.to("wang@hospital.example")
    target = next_target(case)
    due = timezone.localtime(target.due_at).strftime("%Y-%m-%d %H:%M")
    assert message["Subject"].strip() == f"[{case.number}] 我们已受理您的请求: 交换机无法呼出"
    body = message.get_body(("plain",)).get_content()
    assert "王主任，您好" in body and f"案例编号: {case.number}" in body
    assert "严重等级: C · 一般 (P3)" in body
    with translation.override("zh-hans"):
        assert f"下一承诺时限: {target.get_kind_display()} · {due}" in body
    html = message.get_body(("html",)).get_content()
    assert case.number in html and due in html
    assert is_our_message_id(message["Message-ID"])
    assert case_number_from_message_ids(message["Message-ID"]) == case.number
    row = Notification.objects.get(case=case, kind=ACK)
    assert row.message_id == message["Message-ID"] and row.status == Notification.Status.SENT


def test_english_acknowledgement_for_a_contact_whose_login_speaks_english(
    smtp, open_case, customer_a, equipment_a, make_user
):
    login = make_user(Role.CUSTOMER, username="john", language="en")
    john = ContactFactory(customer=customer_a, name="John Smith", email="john@hospital.example", user=login)
    case = open_case(customer_a, equipment=equipment_a, contact=john, severity=Severity.D)

    deliver_due()

    (message,) = smtp.mailbox.to("john@hospital.example")
    assert message["Subject"].strip() == f"[{case.number}] We have received your request: 交换机无法呼出"
    body = message.get_body(("plain",)).get_content()
    assert "Dear John Smith," in body
    assert "Severity: D · Cosmetic (P4)" in body
    target = next_target(case)
    due = timezone.localtime(target.due_at).strftime("%Y-%m-%d %H:%M")
    with translation.override("en"):
        assert f"Next target: {target.get_kind_display()} · {due} (Beijing time)" in body


def test_severity_a_with_a_mobile_also_gets_an_sms(smtp, open_case, customer_a, equipment_a, wang, caplog):
    case = open_case(customer_a, equipment=equipment_a, contact=wang, severity=Severity.A)

    with caplog.at_level(logging.INFO, logger="aftersales.notifications.senders"):
        counts = deliver_due()

    assert counts["sent"] == 2
    sms = Notification.objects.get(case=case, kind=ACK, channel=Channel.SMS)
    assert sms.address == "13900000001" and sms.status == Notification.Status.SENT
    assert case.number in sms.body_text and len(sms.body_text) < 140
    assert sms.payload["params"]["case"] == case.number
    assert f"SMS to 13900000001: {sms.body_text}" in caplog.text
    assert "400-820-8820" in smtp.mailbox.to("wang@hospital.example")[0].get_body(("plain",)).get_content()


@pytest.mark.parametrize("severity", [Severity.C, Severity.D])
def test_severity_c_and_d_get_no_sms(open_case, customer_a, equipment_a, wang, severity):
    case = open_case(customer_a, equipment=equipment_a, contact=wang, severity=severity)

    assert list(Notification.objects.filter(case=case).values_list("channel", flat=True)) == [Channel.EMAIL]


def test_severity_b_without_a_mobile_gets_only_the_email(open_case, customer_a, equipment_a):
    contact = ContactFactory(customer=customer_a, email="li@hospital.example", mobile="")
    case = open_case(customer_a, equipment=equipment_a, contact=contact, severity=Severity.B)

    assert list(Notification.objects.filter(case=case).values_list("channel", flat=True)) == [Channel.EMAIL]


def test_a_contact_without_email_gets_only_the_sms_for_severity_a(open_case, customer_a, equipment_a):
    contact = ContactFactory(customer=customer_a, email="", mobile="13900000002")
    case = open_case(customer_a, equipment=equipment_a, contact=contact, severity=Severity.A)

    assert list(Notification.objects.filter(case=case, kind=ACK).values_list("channel", flat=True)) == [Channel.SMS]


def test_every_channel_acknowledges(open_case, customer_a, equipment_a, wang):
    for channel in (CaseChannel.PHONE, CaseChannel.EMAIL, CaseChannel.WEB, CaseChannel.FAX):
        # A fax case carries its scanned page (cases.services.intake).
        pages = [SimpleUploadedFile("fax.pdf", b"%PDF-1.4\n%%EOF")] if channel == CaseChannel.FAX else []
        case = open_case(customer_a, equipment=equipment_a, contact=wang, channel=channel, attachments=pages)
        assert Notification.objects.filter(case=case, kind=ACK, channel=Channel.EMAIL).count() == 1


def test_a_case_without_a_contact_acknowledges_nobody(open_case, customer_a, equipment_a):
    case = open_case(customer_a, equipment=equipment_a, severity=Severity.A)

    assert not Notification.objects.filter(case=case, kind=ACK).exists()


def test_customer_mail_names_nobody_else(smtp, open_case, customer_a, equipment_a, wang, agent):
    agent.email = "agent@aftersales.example"
    agent.save()
    case = open_case(customer_a, equipment=equipment_a, contact=wang, severity=Severity.B)

    deliver_due()

    assert case.number in smtp.mailbox.messages[0]["Subject"]
    ((sender, recipients, message, raw),) = smtp.mailbox.received
    assert recipients == ["wang@hospital.example"]
    assert message["Cc"] is None and message["Bcc"] is None
    assert message["To"] == "wang@hospital.example"
    assert b"agent@aftersales.example" not in raw
    assert sender == "service@aftersales.example"
    assert message["Auto-Submitted"] == "auto-generated"


class Abort(Exception):
    pass


def test_acknowledgement_is_written_with_the_case_and_rolled_back_with_it(open_case, customer_a, wang):
    with pytest.raises(Abort), transaction.atomic():
        case = open_case(customer_a, contact=wang)
        assert Notification.objects.filter(case=case, kind=ACK).exists()  # in the same transaction
        raise Abort

    assert not Notification.objects.exists() and not Case.objects.exists()


def test_contact_user_language_defaults_to_chinese(open_case, customer_a, equipment_a):
    login = UserFactory(username="zhang", language="zh-hans")
    contact = ContactFactory(customer=customer_a, email="zhang@hospital.example", user=login)
    case = open_case(customer_a, equipment=equipment_a, contact=contact)
    deliver_due()

    row = Notification.objects.get(case=case, kind=ACK)
    assert row.language == "zh-hans" and "已受理" in row.subject
