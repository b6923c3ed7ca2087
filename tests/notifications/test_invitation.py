"""The portal invitation goes through the outbox, over real SMTP: a mail server that is down
delays it and never loses it, a rolled-back invitation sends nothing, access withdrawn before
the mail leaves stops it, and the one-time link never rests in the outbox."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from aftersales.portal import services
from aftersales.portal.models import Registration
from tests.factories import ContactFactory
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db
Status = Notification.Status
LINK = re.compile(r"https?://\S+/portal/password/\S+/")
INVITED = local(2026, 6, 8, 10, 0)


@pytest.fixture
def zhang(customer_a):
    return ContactFactory(customer=customer_a, name="张工", email="zhang@hospital-a.cn")


def invitation_rows():
    return Notification.objects.filter(kind="portal_invitation")


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_smtp_down_delays_the_invitation_and_its_link_still_works(smtp, travel, client, agent, zhang):
    travel(INVITED)
    smtp.stop()

    user = services.invite_contact(contact=zhang, by=agent)  # no error: the mail waits in the outbox
    for _minute in range(5):
        deliver_due()
        travel.shift(1)
    (row,) = invitation_rows()
    assert row.status == Status.PENDING and row.attempts >= 2 and "ConnectionRefusedError" in row.last_error
    assert not smtp.mailbox.received

    smtp.start()
    for _minute in range(10):
        deliver_due()
        travel.shift(1)

    (mail,) = smtp.mailbox.to("zhang@hospital-a.cn")
    body = mail.get_body(("plain",)).get_content()
    assert "张工" in body and "客户服务门户" in mail["Subject"]
    row.refresh_from_db()
    assert row.status == Status.SENT and mail["Message-ID"] == row.message_id
    form_page = client.get(path_of(LINK.search(body).group(0)), follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Kd93-xq!7zp", "new_password2": "Kd93-xq!7zp"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password()


def test_the_one_time_link_is_not_kept_in_the_outbox(smtp, agent, zhang):
    services.invite_contact(contact=zhang, by=agent)
    deliver_due()

    (mail,) = smtp.mailbox.to("zhang@hospital-a.cn")
    link = LINK.search(mail.get_body(("plain",)).get_content()).group(0)
    (row,) = invitation_rows().values()
    assert row["status"] == Status.SENT and "客户服务门户" in row["subject"]
    assert not any(link in str(value) for value in row.values())


def _invite_then_fail(agent, zhang, manager):
    services.invite_contact(contact=zhang, by=agent)
    raise RuntimeError("a later step of the same request failed")


def _approve_then_fail(agent, zhang, manager):
    registration = Registration.objects.create(customer=zhang.customer, name="李护士长", email="li@hospital-a.cn")
    services.decide_registration(registration=registration, by=manager, approve=True)
    raise RuntimeError("a later step of the same request failed")


@pytest.mark.parametrize("invite", [_invite_then_fail, _approve_then_fail], ids=["invite", "approve-registration"])
def test_a_rolled_back_invitation_sends_nothing(smtp, agent, manager, zhang, invite):
    with pytest.raises(RuntimeError), transaction.atomic():
        invite(agent, zhang, manager)

    deliver_due()

    assert not invitation_rows().exists()
    assert not smtp.mailbox.received


def _unlink(contact):
    contact.user = None
    contact.save()


def _deactivate_login(contact):
    contact.user.is_active = False
    contact.user.save()


def _deactivate_contact(contact):
    contact.is_active = False
    contact.save()


def _move_to_other_customer(contact):
    from aftersales.customers.models import Customer

    contact.customer = Customer.objects.exclude(pk=contact.customer_id).get()
    contact.save()


@pytest.mark.parametrize(
    "withdraw",
    [_unlink, _deactivate_login, _deactivate_contact, _move_to_other_customer],
    ids=["unlinked", "login-inactive", "contact-inactive", "moved"],
)
def test_access_withdrawn_before_sending_stops_the_invitation(smtp, agent, zhang, customer_b, withdraw):
    services.invite_contact(contact=zhang, by=agent)
    zhang.refresh_from_db()
    withdraw(zhang)

    deliver_due()

    assert not smtp.mailbox.received
    (row,) = invitation_rows()
    assert row.status == Status.FAILED and row.last_error


def test_a_changed_login_address_is_followed(smtp, agent, zhang):
    user = services.invite_contact(contact=zhang, by=agent)
    user.email = "zhang.new@hospital-a.cn"
    user.save()

    deliver_due()

    assert len(smtp.mailbox.to("zhang.new@hospital-a.cn")) == 1
    assert not smtp.mailbox.to("zhang@hospital-a.cn")
