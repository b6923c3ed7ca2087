"""Guessing is slowed: the staff, portal and admin log-in forms lock an account, and an
address, after repeated failures; the person is told so in their language and gets back in
after the cool-off or when an administrator unlocks them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from aftersales.accounts.roles import Role

PASSWORD = "pw-demo-123"  # tests/factories.py
FORMS = {
    "staff": "/login/",
    "portal": "/portal/login/",
    "admin": "/admin/login/",
}


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def accounts(agent, contact_a, admin_user):
    """Who logs in where: an agent on the staff form, a contact on the portal, an administrator
    on the admin's form."""
    return {"staff": agent, "portal": contact_a, "admin": admin_user}


def _post(client, form: str, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(FORMS[form], {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, form, username, times, address="10.0.0.1"):
    for _attempt in range(times):
        response = _post(client, form, username, "wrong-password", address)
        assert response.status_code in (200, 429)


@pytest.mark.parametrize("form", FORMS)
def test_account_is_locked_after_repeated_failures_even_with_the_right_password(client, accounts, limit, form):
    user = accounts[form]
    _fail(client, form, user.username, limit)

    response = _post(client, form, user.username, PASSWORD)

    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert not _logged_in(client)


@pytest.mark.parametrize("form", FORMS)
def test_account_lock_holds_from_another_address(client, accounts, limit, form):
    user = accounts[form]
    _fail(client, form, user.username, limit, address="10.0.0.1")

    response = _post(Client(), form, user.username, PASSWORD, address="10.9.9.9")

    assert response.status_code == 429


@pytest.mark.parametrize("form", FORMS)
def test_address_is_locked_after_failures_on_many_accounts(client, accounts, limit, form):
    for n in range(limit):
        _post(client, form, f"guess-{n}", "wrong-password", "10.0.0.7")

    locked = _post(client, form, accounts[form].username, PASSWORD, "10.0.0.7")
    elsewhere = _post(Client(), form, accounts[form].username, PASSWORD, "10.0.0.8")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302, "the account itself is not locked, only the address"


def test_failures_below_the_limit_do_not_lock(client, agent, limit):
    _fail(client, "staff", agent.username, limit - 1)

    assert _post(client, "staff", agent.username, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_the_account_is_counted_whatever_the_case_of_the_name(client, contact_a, limit):
    for name in ("Contact-A", " contact-a", "CONTACT-A"):
        _post(client, "portal", name, "wrong-password")

    assert _post(client, "portal", "contact-a", PASSWORD, "10.1.1.1").status_code == 429


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "登录失败次数过多"), ("en", "Too many failed log-ins")],
)
@pytest.mark.parametrize("form", ["staff", "portal"])
def test_lockout_message_in_the_chosen_language(client, accounts, limit, form, language, expected):
    client.cookies["aftersales_language"] = language
    _fail(client, form, accounts[form].username, limit)

    page = _post(client, form, accounts[form].username, PASSWORD).content.decode()

    assert expected in page
    assert "15" in page, "says how long the lock lasts"


def test_lock_ends_after_the_cool_off(client, agent, limit, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    _fail(client, "staff", agent.username, limit)
    assert _post(client, "staff", agent.username, PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert _post(client, "staff", agent.username, PASSWORD).status_code == 302


def test_administrator_unlocks_an_account_in_the_admin(client, agent, admin_user, limit):
    _fail(Client(), "staff", agent.username, limit, address="10.0.0.3")
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_login", "_selected_action": [agent.pk]}, REMOTE_ADDR="10.0.0.4"
    )

    assert response.status_code == 302
    assert _post(Client(), "staff", agent.username, PASSWORD, "10.0.0.5").status_code == 302


def test_axes_reset_command_unlocks(agent, limit):
    _fail(Client(), "staff", agent.username, limit)
    assert AccessAttempt.objects.exists()

    call_command("axes_reset")

    assert _post(Client(), "staff", agent.username, PASSWORD).status_code == 302


def test_force_login_and_api_tokens_are_not_counted(client, agent, limit):
    _fail(Client(), "staff", agent.username, limit)

    client.force_login(agent)

    assert client.get("/account/tokens/").status_code == 200


def test_logging_into_one_s_own_account_does_not_wipe_failures_against_another(client, agent, contact_b, limit):
    """A guesser with an account of their own cannot reset the count between guesses."""
    _fail(client, "staff", agent.username, limit - 1, address="10.0.0.9")
    assert _post(Client(), "portal", contact_b.username, PASSWORD, "10.0.0.9").status_code == 302
    _fail(client, "staff", agent.username, 1, address="10.0.0.9")

    assert _post(Client(), "staff", agent.username, PASSWORD, "10.2.2.2").status_code == 429, "the account"
    assert _post(Client(), "portal", contact_b.username, PASSWORD, "10.0.0.9").status_code == 429, "the address"


def test_a_successful_log_in_forgets_the_person_s_own_typing_errors(client, agent, limit):
    for _round in range(3):
        _fail(client, "staff", agent.username, limit - 1)
        assert _post(Client(), "staff", agent.username, PASSWORD).status_code == 302
