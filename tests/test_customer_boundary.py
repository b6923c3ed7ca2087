"""Customers stay in the portal (`aftersales.accounts.customer_boundary`).

Every URL pattern of the site outside the API is walked: a customer's contact who opens any of
them that is not a customer page (GET or POST, with the id of their own record, of another
customer's and of nothing) is sent to the portal's home page and nothing changes. Staff are
not sent anywhere. A new staff page is covered without being named here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse

from aftersales.accounts.customer_boundary import CUSTOMER_NAMESPACES, CUSTOMER_ROUTES
from aftersales.cases.models import CallbackRequest, Case, CaseEvent
from aftersales.inbox.models import InboundMessage
from aftersales.portal.models import Registration


def _walk(patterns, prefix="", namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield ":".join((*namespaces, pattern.name or "")), prefix + str(pattern.pattern)


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))
STAFF_ROUTES = [
    (name, route)
    for name, route in ROUTES
    if name not in CUSTOMER_ROUTES and name.split(":", 1)[0] not in CUSTOMER_NAMESPACES
]


def _address(route: str, value: str) -> str:
    """The route with every parameter (path converter or regex group) set to `value`."""
    route = re.sub(r"<(?:\w+:)?\w+>", value, route)
    route = re.sub(r"\(\?P<app_label>[^)]*\)", "cases", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", value, route)
    return "/" + route.replace("^", "").replace("$", "")


def _written() -> tuple:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        list(CallbackRequest.objects.values_list("handled_at", flat=True)),
        list(Registration.objects.values_list("status", flat=True)),
        InboundMessage.objects.count(),
    )


def test_the_walk_covers_the_staff_pages_named_in_the_rule():
    names = {name for name, _route in STAFF_ROUTES}
    for name in ("case_list", "case_detail", "intake", "duty_board", "account_tokens", "portal:take_callback"):
        assert name in names
    assert len(names) > 40  # the admin's pages are walked as well


@pytest.fixture
def callback_a(contact_a, equipment_a):
    from aftersales.portal import services

    return services.request_callback(
        by=contact_a, equipment=equipment_a, severity="A", description="机房断电\n全部中断", phone="13800138000"
    )


@pytest.mark.parametrize(("name", "route"), STAFF_ROUTES, ids=[name or route for name, route in STAFF_ROUTES])
def test_customer_contact_is_sent_to_the_portal_from_every_staff_page(
    client, contact_a, case_a, case_b, callback_a, name, route
):
    client.force_login(contact_a)
    before = _written()
    walked = 0
    for value in (case_a.number, case_b.number, str(callback_a.pk), "999999"):
        address = _address(route, value)
        try:
            resolve(address.split("?")[0])
        except Resolver404:
            continue  # e.g. a case number where the route takes an id
        walked += 1
        for method in (client.get, client.post):
            response = method(address)
            assert response.status_code == 302, (address, method.__name__)
            assert response["Location"] == reverse("portal:home"), address
    assert walked
    assert _written() == before


@pytest.mark.parametrize(
    "address",
    ["/cases/", "/cases/?status=all", "/intake/", "/board/", "/account/tokens/", "/inbox/triage/"],
)
def test_staff_are_not_sent_to_the_portal(client, agent, address):
    client.force_login(agent)

    assert client.get(address).status_code == 200


@pytest.mark.parametrize("name", ["portal:home", "portal:case_new"])
def test_customer_contact_still_opens_the_portal(client, contact_a, equipment_a, name):
    client.force_login(contact_a)

    assert client.get(reverse(name)).status_code == 200


def test_customer_contact_still_downloads_a_file_of_their_own_case(client, contact_a, case_a, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aftersales.cases import services

    event = services.add_comment(
        case=case_a, by=agent, text="报告", public=True, attachments=[SimpleUploadedFile("报告.txt", b"ok")]
    )
    attachment = event.attachments.get()
    client.force_login(contact_a)

    response = client.get(reverse("attachment", args=[attachment.pk, attachment.name]))

    assert response.status_code == 200
