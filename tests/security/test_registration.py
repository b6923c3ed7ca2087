"""Self-registration is no oracle: the portal answers the same for a known or an unknown
e-mail domain, a new address or one with access; only the e-mail to that address (through
the outbox) tells which. Registration is rate-limited per client address and per e-mail."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from aftersales.portal import services
from aftersales.portal.models import Registration
from tests.factories import ContactFactory, UserFactory

URL = reverse("portal:register")
# address → what the e-mail must say (English, then Chinese)
CASES = {
    "new@hospital-a.cn": ("We have received your registration", "我们已收到您的客户服务门户注册申请"),
    "has-access@hospital-a.cn": ("already has access", "已开通客户服务门户"),
    "pending@hospital-a.cn": ("already has access", "已开通客户服务门户"),
    "someone@gmail.com": ("could not match this e-mail address", "无法将该邮箱地址匹配到我们的客户"),
    "x@evil-hospital-a.cn": ("could not match this e-mail address", "无法将该邮箱地址匹配到我们的客户"),
    "x@bank-b.cn": ("could not match this e-mail address", "无法将该邮箱地址匹配到我们的客户"),
}


@pytest.fixture
def world(customer_a, customer_b):
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()
    UserFactory(username="has-access@hospital-a.cn", email="has-access@hospital-a.cn")
    services.register(name="待审", email="pending@hospital-a.cn")
    Notification.objects.all().delete()  # the fixture's own answer
    ContactFactory(customer=customer_a, email="someone-else@hospital-a.cn")


def _normalised(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _register(client, email: str, address: str = "10.0.0.1"):
    return client.post(URL, {"name": "李四", "email": email}, REMOTE_ADDR=address)


def test_every_address_gets_the_same_answer(client, world):
    answers = {}
    for n, email in enumerate(CASES):
        response = _register(client, email, address=f"10.0.1.{n}")
        answers[email] = (response.status_code, _normalised(response.content.decode()))

    assert len(set(answers.values())) == 1, "the page must not tell the addresses apart"
    assert next(iter(answers.values()))[0] == 200


@pytest.mark.parametrize(("email", "says"), list(CASES.items()))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_e_mail_tells_the_rest_in_the_reader_s_language(client, world, mailoutbox, email, says, language):
    client.cookies["aftersales_language"] = language

    _register(client, email)
    deliver_due()

    (mail,) = mailoutbox
    assert mail.to == [email]
    assert (says[1] if language == "zh-hans" else says[0]) in mail.body
    assert "400-" in mail.body, "the hotline is named"


def test_only_a_new_address_of_a_known_domain_is_stored(client, world):
    for email in CASES:
        _register(client, email)
    assert set(Registration.objects.values_list("email", flat=True)) == {"new@hospital-a.cn", "pending@hospital-a.cn"}


def test_registrations_from_one_address_are_rate_limited(client, world, settings):
    settings.PORTAL_REGISTER_RATE_PER_ADDRESS = "3/hour"
    for n in range(3):
        assert _register(client, f"p{n}@gmail.com").status_code == 200

    refused = _register(client, "p9@gmail.com")
    other_client = _register(client, "p9@gmail.com", address="10.0.0.2")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请求过于频繁" in refused.content.decode()
    assert other_client.status_code == 200
    assert Notification.objects.filter(address="p9@gmail.com").count() == 1


def test_one_address_receives_few_answers_however_often_it_is_given(client, world, settings):
    settings.PORTAL_REGISTER_RATE_PER_EMAIL = "2/day"
    pages = {_register(client, "victim@gmail.com", address=f"10.0.2.{n}").status_code for n in range(5)}

    assert pages == {200}, "the page does not change"
    assert Notification.objects.filter(address="victim@gmail.com").count() == 2


def test_the_answer_goes_nowhere_but_to_the_address_given(world, customer_a, mailoutbox):
    services.register(name="王", email="wang@hospital-a.cn")
    row = Notification.objects.get()
    assert (row.recipient, row.contact, row.case, row.address) == (None, None, None, "wang@hospital-a.cn")
    deliver_due()
    assert [m.to for m in mailoutbox] == [["wang@hospital-a.cn"]]
