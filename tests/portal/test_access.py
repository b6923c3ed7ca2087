"""Portal access: staff invite a contact (one-time set-password link by e-mail); people with an
e-mail of a known domain register and staff approve; unknown domains are refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.core.errors import NotAllowed
from aftersales.customers.models import Contact
from aftersales.notifications.delivery import deliver_due
from aftersales.portal import services
from aftersales.portal.models import Registration
from tests.factories import ContactFactory

LINK = re.compile(r"https?://\S+/portal/password/\S+/")


@pytest.fixture
def zhang(customer_a):
    return ContactFactory(customer=customer_a, name="张工", email="Zhang@Hospital-A.cn")


def invitations(mailoutbox) -> list:
    """The invitation mails, once the worker has sent the outbox (as it does after the commit)."""
    deliver_due()
    return [mail for mail in mailoutbox if LINK.search(mail.body)]


def _link(mail) -> str:
    return LINK.search(mail.body).group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_agent_invites_a_contact_who_sets_a_password_once(client, agent, zhang, mailoutbox):
    client.force_login(agent)
    response = client.post(reverse("portal:invite", args=[zhang.pk]))
    assert response.status_code == 302

    zhang.refresh_from_db()
    user = zhang.user
    assert user.username == "zhang@hospital-a.cn" and user.is_customer_contact and not user.has_usable_password()
    (mail,) = invitations(mailoutbox)
    assert mail.to == ["zhang@hospital-a.cn"] and "张工" in mail.body
    assert "客户服务门户" in mail.subject, "Chinese by default"

    client.logout()
    link = _link(mail)
    form_page = client.get(link, follow=True)
    assert 'data-testid="set-password"' in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Kd93-xq!7zp", "new_password2": "Kd93-xq!7zp"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200

    client.logout()
    again = client.get(link, follow=True)
    assert 'data-testid="invalid-link"' in again.content.decode(), "the link works once"
    assert client.login(username="zhang@hospital-a.cn", password="Kd93-xq!7zp")


def test_inviting_again_sends_a_fresh_link_without_a_second_user(agent, zhang, mailoutbox):
    services.invite_contact(contact=zhang, by=agent)
    services.invite_contact(contact=zhang, by=agent)

    assert User.objects.filter(email="zhang@hospital-a.cn").count() == 1
    assert len(invitations(mailoutbox)) == 2


def test_contact_without_e_mail_cannot_be_invited(client, agent, customer_a, mailoutbox):
    contact = ContactFactory(customer=customer_a, email="")
    client.force_login(agent)

    client.post(reverse("portal:invite", args=[contact.pk]))

    contact.refresh_from_db()
    assert contact.user is None and not mailoutbox


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.SALES, Role.CUSTOMER])
def test_only_the_desk_managers_and_admins_invite(make_user, zhang, role, mailoutbox):
    with pytest.raises(NotAllowed):
        services.invite_contact(contact=zhang, by=make_user(role))
    assert not mailoutbox


def test_engineer_cannot_open_the_access_page(client, engineer, contact_a):
    client.force_login(engineer)
    assert client.get(reverse("portal:access")).status_code == 403
    client.force_login(contact_a)
    assert client.get(reverse("portal:access"))["Location"] == reverse("portal:home")


def test_registration_with_a_known_domain_waits_for_approval(client, customer_a, manager, mailoutbox):
    customer_a.email_domains = "hospital-a.cn, hospital-a.com.cn"
    customer_a.save()

    response = client.post(
        reverse("portal:register"), {"name": "李护士长", "email": "li@HOSPITAL-A.cn", "phone": "139 0000 1111"}
    )

    assert response.status_code == 200 and 'data-testid="registered"' in response.content.decode()
    registration = Registration.objects.get()
    assert (registration.customer, registration.email, registration.status) == (
        customer_a,
        "li@hospital-a.cn",
        Registration.Status.PENDING,
    )
    assert not User.objects.filter(email="li@hospital-a.cn").exists() and not mailoutbox

    client.force_login(manager)
    assert "li@hospital-a.cn" in client.get(reverse("portal:access")).content.decode()
    client.post(reverse("portal:decide_registration", args=[registration.pk]), {"decision": "approve"})

    registration.refresh_from_db()
    contact = Contact.objects.get(email="li@hospital-a.cn")
    assert registration.status == Registration.Status.APPROVED and registration.contact == contact
    assert (contact.customer, contact.mobile, contact.is_customer_manager) == (customer_a, "13900001111", False)
    assert contact.user.is_customer_contact
    assert len(invitations(mailoutbox)) == 1


def test_registration_with_an_unknown_domain_stores_nothing(client, customer_a):
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()

    for email in ("someone@gmail.com", "x@a.cn", "x@evil-hospital-a.cn"):
        response = client.post(reverse("portal:register"), {"name": "某人", "email": email})
        # The same page as for a known domain (tests/security/test_registration.py); the e-mail says why.
        assert response.status_code == 200 and 'data-testid="registered"' in response.content.decode()
    assert not Registration.objects.exists()


def test_rejected_registration_gives_no_access(customer_a, manager, mailoutbox):
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()
    registration = services.register(name="王", email="wang@hospital-a.cn")

    services.decide_registration(registration=registration, by=manager, approve=False)

    assert not User.objects.filter(email="wang@hospital-a.cn").exists() and not mailoutbox
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REJECTED


def test_registering_twice_stores_one_request(customer_a):
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()

    assert services.register(name="王", email="wang@hospital-a.cn") is not None
    assert services.register(name="王", email="WANG@hospital-a.cn") is None
    assert Registration.objects.count() == 1


def test_administrator_invites_from_the_contact_admin(client, make_user, zhang, mailoutbox):
    admin_user = make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:customers_contact_changelist"),
        {"action": "invite_to_portal", "_selected_action": [zhang.pk]},
    )

    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.user is not None and len(invitations(mailoutbox)) == 1
