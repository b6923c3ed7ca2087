"""Password policy: Django's four validators (at least 10 characters, not a common password,
not like the account, not only digits) wherever a password is set through a form — the
portal's set-password link, the staff's own password change, the administration — with the
reason in the reader's language. Passwords already stored (the demo's) still log in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.demo.people import DEMO_PASSWORD, demo_logins
from aftersales.portal import services
from tests.factories import ContactFactory

PASSWORD = "pw-demo-123"  # tests/factories.py
STRONG = "Kd93-xq!7zp"
# (password, English reason, Chinese reason)
WEAK = [
    ("Ab3-xy!", "too short", "密码太短"),
    ("password1234", "too common", "太常见"),
    ("3141592653589", "entirely numeric", "只包含数字"),
    ("zhangwei@hospital", "too similar", "太相似"),
]


@pytest.fixture
def zhang(customer_a, agent):
    contact = ContactFactory(customer=customer_a, name="张伟", email="zhangwei@hospital-a.cn")
    services.invite_contact(contact=contact, by=agent)
    contact.refresh_from_db()
    return contact.user


def _set_password_page(client, user) -> str:
    url = services.set_password_url(user).split("://", 1)[1].split("/", 1)[1].join(["/", ""])
    return client.get(url, follow=True).redirect_chain[-1][0]


def _errors(page: str) -> str:
    return " ".join(re.findall(r'data-field-error="[^"]+">([^<]+)<', page))


@pytest.mark.parametrize(("password", "english", "chinese"), WEAK)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_portal_set_password_refuses_weak_passwords(client, zhang, password, english, chinese, language):
    client.cookies["aftersales_language"] = language
    form = _set_password_page(client, zhang)

    response = client.post(form, {"new_password1": password, "new_password2": password})

    assert response.status_code == 200
    assert (chinese if language == "zh-hans" else english) in _errors(response.content.decode())
    zhang.refresh_from_db()
    assert not zhang.has_usable_password()


def test_portal_set_password_accepts_a_good_password(client, zhang):
    form = _set_password_page(client, zhang)
    response = client.post(form, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.check_password(STRONG)


@pytest.mark.parametrize(("password", "english", "chinese"), WEAK)
def test_staff_password_change_refuses_weak_passwords(client, make_user, password, english, chinese):
    user = make_user(Role.ENGINEER, username="zhangwei", email="zhangwei@hospital.cn")
    client.force_login(user)

    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    )

    assert response.status_code == 200 and chinese in _errors(response.content.decode())
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_staff_password_change_with_a_good_password(client, engineer):
    client.force_login(engineer)
    assert 'data-testid="menu-password"' in client.get("/cases/").content.decode()

    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG}
    )

    assert response.status_code == 302
    client.logout()
    assert client.post("/login/", {"username": "engineer", "password": STRONG}).status_code == 302


@pytest.mark.parametrize(("password", "english", "chinese"), WEAK[:3])
def test_the_administration_refuses_weak_passwords(client, make_user, engineer, password, english, chinese):
    client.force_login(make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True))

    response = client.post(
        f"/admin/accounts/user/{engineer.pk}/password/", {"password1": password, "password2": password}
    )

    assert response.status_code == 200 and chinese in response.content.decode()
    engineer.refresh_from_db()
    assert engineer.check_password(PASSWORD)


@pytest.mark.parametrize("form", ["/login/", "/portal/login/"])
def test_demo_users_still_log_in_with_the_demo_password(client, form, db):
    hashed = make_password(DEMO_PASSWORD)  # as seed_demo stores it
    staff = [(name, role) for name, _display, role in demo_logins() if role != Role.CUSTOMER][:3]
    portal = [(name, role) for name, _display, role in demo_logins() if role == Role.CUSTOMER][:2]
    for username, _role in staff if form == "/login/" else portal:
        User.objects.create(username=username, password=hashed)
        response = client.post(form, {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
        client.logout()
