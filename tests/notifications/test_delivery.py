"""The worker sends the outbox over real SMTP: retries with back-off while the server is down,
each message once, permanent failures on the case, threads, and the customer guards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import EventKind, Severity
from aftersales.notifications.delivery import backoff, deliver_due
from aftersales.notifications.models import Channel, Notification
from tests.factories import ContactFactory
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db
Status = Notification.Status
OPENED = local(2026, 6, 8, 10, 0)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def engineer_with_mail(engineer):
    engineer.email = "engineer@aftersales.example"
    engineer.save()
    return engineer


def messages():
    return Notification.objects.exclude(channel="")


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n) for n in range(1, 9)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]


def test_smtp_down_for_five_minutes_then_everything_is_delivered_once(
    smtp, travel, open_case, customer_a, equipment_a, manager, engineer_with_mail
):
    travel(OPENED)
    contacts = [ContactFactory(customer=customer_a, email=f"c{n}@hospital.example") for n in range(4)]
    cases = [open_case(customer_a, equipment=equipment_a, contact=contact) for contact in contacts]
    services.assign(case=cases[0], by=manager, owner=engineer_with_mail)
    services.assign(case=cases[1], by=manager, owner=engineer_with_mail)

    smtp.stop()
    for _minute in range(6):  # 10:00 ... 10:05, as the minute task does
        deliver_due()
        travel.shift(1)
    assert not smtp.mailbox.received
    assert messages().count() == 6
    assert all(row.status == Status.PENDING and row.attempts >= 3 for row in messages())
    assert "ConnectionRefusedError" in messages().first().last_error

    smtp.start()  # 10:06
    for _minute in range(10):
        deliver_due()
        travel.shift(1)

    ids = [message["Message-ID"] for message in smtp.mailbox.messages]
    assert len(ids) == len(set(ids)) == 6
    assert set(ids) == set(messages().values_list("message_id", flat=True))
    assert all(row.status == Status.SENT for row in messages())
    assert len(smtp.mailbox.to("engineer@aftersales.example")) == 2
    # Running the task again sends nothing more.
    travel.shift(120)
    assert deliver_due().get("sent", 0) == 0 and len(smtp.mailbox.received) == 6


def test_a_refused_address_fails_at_once_and_shows_on_the_case(
    smtp, open_case, customer_a, equipment_a, client, agent, contact_a
):
    smtp.mailbox.refuse.add("gone@hospital.example")
    contact = ContactFactory(customer=customer_a, email="gone@hospital.example")
    case = open_case(customer_a, equipment=equipment_a, contact=contact)

    assert deliver_due()["failed"] == 1

    row = Notification.objects.get(case=case, channel=Channel.EMAIL)
    assert row.status == Status.FAILED and row.attempts == 1
    assert "550" in row.last_error
    event = case.events.get(kind=EventKind.NOTIFIED)
    assert not event.is_public
    assert "gone@hospital.example" in event.text and "550" in event.text
    assert not smtp.mailbox.received

    client.force_login(agent)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="delivery-failed"' in page and "gone@hospital.example" in page
    client.force_login(contact_a)  # customers never see the internal notice
    page = client.get(f"/portal/cases/{case.number}/")
    assert page.status_code in (200, 404)
    assert b"delivery-failed" not in page.content


def test_a_day_of_transient_failures_gives_up_and_says_so(smtp, travel, open_case, customer_a, equipment_a):
    travel(OPENED)
    contact = ContactFactory(customer=customer_a, email="wang@hospital.example")
    case = open_case(customer_a, equipment=equipment_a, contact=contact)
    smtp.stop()

    for _hour in range(26):
        deliver_due()
        travel.shift(60)

    row = Notification.objects.get(case=case, channel=Channel.EMAIL)
    assert row.status == Status.FAILED
    assert 20 <= row.attempts <= 30
    assert case.events.filter(kind=EventKind.NOTIFIED, is_public=False).count() == 1


def test_a_contact_moved_to_another_customer_is_never_sent_the_case(
    smtp, open_case, customer_a, customer_b, equipment_a
):
    contact = ContactFactory(customer=customer_a, email="wang@hospital.example")
    case = open_case(customer_a, equipment=equipment_a, contact=contact)
    contact.customer = customer_b
    contact.save()

    deliver_due()

    assert not smtp.mailbox.received
    row = Notification.objects.get(case=case, channel=Channel.EMAIL)
    assert row.status == Status.FAILED
    assert row.last_error == "the contact does not belong to the case's customer"


def test_an_address_shared_with_a_contact_of_another_customer_is_refused(
    smtp, open_case, customer_a, customer_b, equipment_a
):
    contact = ContactFactory(customer=customer_a, email="it@shared.example")
    ContactFactory(customer=customer_b, email="IT@shared.example")
    case = open_case(customer_a, equipment=equipment_a, contact=contact)

    deliver_due()

    assert not smtp.mailbox.received
    assert "another customer" in Notification.objects.get(case=case, channel=Channel.EMAIL).last_error


def test_a_changed_contact_address_is_used(smtp, open_case, customer_a, equipment_a):
    contact = ContactFactory(customer=customer_a, email="old@hospital.example")
    open_case(customer_a, equipment=equipment_a, contact=contact)
    contact.email = "new@hospital.example"
    contact.save()

    deliver_due()

    assert [rcpts for _s, rcpts, _m, _r in smtp.mailbox.received] == [["new@hospital.example"]]


def test_mail_about_one_case_to_one_address_is_threaded(smtp, open_case, customer_a, equipment_a, manager, make_user):
    engineer = make_user(Role.ENGINEER, username="eng-thread", email="eng@aftersales.example")
    other = make_user(Role.ENGINEER, username="eng-other", email="other@aftersales.example")
    case = open_case(customer_a, equipment=equipment_a)
    services.assign(case=case, by=manager, owner=engineer)
    deliver_due()
    services.assign(case=case, by=manager, owner=other)
    services.assign(case=case, by=manager, owner=engineer)
    deliver_due()

    first, second = smtp.mailbox.to("eng@aftersales.example")
    assert first["In-Reply-To"] is None
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert case.number in first["Message-ID"] and case.number in second["Subject"]
    (elsewhere,) = smtp.mailbox.to("other@aftersales.example")
    assert elsewhere["In-Reply-To"] is None  # another address, another thread


def test_staff_mail_is_in_the_staff_members_language(smtp, open_case, customer_a, equipment_a, manager, make_user):
    chinese = make_user(Role.ENGINEER, username="eng-zh", email="zh@aftersales.example", language="zh-hans")
    english = make_user(Role.ENGINEER, username="eng-en", email="en@aftersales.example", language="en")
    first = open_case(customer_a, equipment=equipment_a)
    second = open_case(customer_a, equipment=equipment_a)
    services.assign(case=first, by=manager, owner=chinese)
    services.assign(case=second, by=manager, owner=english)

    deliver_due()

    assert (
        smtp.mailbox.to("zh@aftersales.example")[0]["Subject"].strip() == f"[{first.number}] 已分派给您: 交换机无法呼出"
    )
    assert (
        smtp.mailbox.to("en@aftersales.example")[0]["Subject"].strip()
        == f"[{second.number}] Assigned to you: 交换机无法呼出"
    )


def test_a_staff_member_without_an_email_address_is_skipped_with_the_reason(open_case, customer_a, manager, engineer):
    case = open_case(customer_a)
    services.assign(case=case, by=manager, owner=engineer)

    deliver_due()

    request = Notification.objects.get(kind=Notification.Kind.CASE_ASSIGNED, channel="")
    assert request.status == Status.SKIPPED and "no address for email" in request.last_error


def test_a_severity_a_case_tells_the_executives_by_mail(smtp, open_case, customer_a, make_user):
    make_user(Role.EXECUTIVE, username="vp", email="vp@aftersales.example")
    case = open_case(customer_a, severity=Severity.A)

    deliver_due()

    (message,) = smtp.mailbox.to("vp@aftersales.example")
    assert case.number in message["Subject"]
    assert f"/cases/{case.number}/" in message.get_body(("plain",)).get_content()
