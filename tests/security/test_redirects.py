"""Redirects stay at home: no `next` parameter sends the browser to another site, whichever
form carries it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from aftersales.core.redirects import is_safe_next_url, safe_next_url
from tests.factories import ContactFactory

HOSTILE = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/portal/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "\t//evil.example",
    " //evil.example",
    "///evil.example",
    "https:evil.example",
    "http://testserver@evil.example/",
]
LOCAL = ["/cases/?q=1", "/portal/", "/admin/"]
PASSWORD = "pw-demo-123"  # tests/factories.py


def _stays_home(response, fallback: str | None = None) -> None:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location
    if fallback:
        assert location == fallback


@pytest.fixture
def admin_user(make_user):
    from aftersales.accounts.roles import Role

    return make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_does_not_leave_the_site(client, target):
    _stays_home(client.post("/language/", {"language": "en", "next": target}), "/")


@pytest.mark.parametrize("target", HOSTILE)
def test_invitation_does_not_leave_the_site(client, agent, customer_a, target):
    contact = ContactFactory(customer=customer_a, email="new@hospital-a.cn")
    client.force_login(agent)
    _stays_home(client.post(f"/portal/access/contacts/{contact.pk}/invite/", {"next": target}), "/portal/access/")


@pytest.mark.parametrize("target", HOSTILE)
@pytest.mark.parametrize(
    ("form", "who"), [("/login/", "agent"), ("/portal/login/", "contact_a"), ("/admin/login/", "admin_user")]
)
def test_log_in_does_not_leave_the_site(client, request, form, who, target):
    user = request.getfixturevalue(who)
    _stays_home(client.post(form, {"username": user.username, "password": PASSWORD, "next": target}))


@pytest.mark.parametrize("target", HOSTILE)
def test_log_out_does_not_leave_the_site(client, agent, target):
    client.force_login(agent)
    _stays_home(client.post("/logout/", {"next": target}))


@pytest.mark.parametrize("target", LOCAL)
def test_a_page_of_this_site_is_kept(client, agent, customer_a, target):
    contact = ContactFactory(customer=customer_a, email="new@hospital-a.cn")
    client.force_login(agent)
    assert client.post("/language/", {"language": "en", "next": target})["Location"] == target
    assert client.post(f"/portal/access/contacts/{contact.pk}/invite/", {"next": target})["Location"] == target


@pytest.mark.parametrize("target", [*HOSTILE, "", None])
def test_the_helper_falls_back_for_anything_not_local(target):
    request = RequestFactory().post("/", {} if target is None else {"next": target})
    assert not is_safe_next_url(request, target)
    assert safe_next_url(request, "portal:access") == "/portal/access/"


def test_over_https_a_plain_http_address_of_this_site_is_refused():
    request = RequestFactory().post("/", {"next": "http://testserver/cases/"}, secure=True)
    assert safe_next_url(request, "/") == "/"
