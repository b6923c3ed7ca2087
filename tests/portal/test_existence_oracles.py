"""No existence oracles in pages: a caller without the right to an object gets the same answer
(status, redirect and body) for another customer's real object as for an id that names
nothing, on every page that takes an id, GET and POST. The right is checked before the look-up.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.cases import services
from aftersales.portal import services as portal_services
from aftersales.portal.models import Registration

MISSING_ID = 987654
MISSING_NUMBER = "CS209901-999999"

# (route name, which of B's records the real address names, methods)
ROUTES = [
    ("portal:take_callback", "callback", ("post",)),
    ("portal:invite", "contact", ("post",)),
    ("portal:decide_registration", "registration", ("post",)),
    ("account_token_revoke", "token", ("get", "post")),
    ("portal:case", "case", ("get",)),
    ("portal:case_reply", "case", ("post",)),
    ("portal:case_confirm", "case", ("post",)),
    ("portal:case_reject", "case", ("post",)),
    ("case_detail", "case", ("get",)),
    ("case_action", "case", ("post",)),
    ("case_comment", "case", ("post",)),
    ("case_assign", "case", ("post",)),
    ("case_severity", "case", ("post",)),
    ("case_edit", "case", ("post",)),
    ("case_record_act", "case", ("post",)),
    ("case_request_suspension", "case", ("post",)),
    ("case_decide_suspension", "case", ("post",)),
]


@pytest.fixture
def records_b(customer_b, contact_b, equipment_b, case_b, make_user):
    callback = portal_services.request_callback(
        by=contact_b, equipment=equipment_b, severity="A", description="全行断网", phone="13800138000"
    )
    registration = Registration.objects.create(customer=customer_b, name="新同事", email="new@bank-b.cn")
    token = create_token(user=contact_b, name="银行集成", scope=ApiToken.Scope.READ).token
    return {
        "callback": callback.pk,
        "contact": contact_b.contact.pk,
        "registration": registration.pk,
        "token": token.pk,
        "case": case_b.number,
    }


def _address(name: str, value) -> str:
    return reverse(name, args=[value])


def _answer(response, address: str = "") -> tuple:
    """Status, redirect and body; the page may echo the address asked for, which differs, and
    carries a CSRF token masked afresh for each response."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return response.status_code, response.get("Location"), body.replace(address, "<address>") if address else body


@pytest.fixture(params=["contact_a", "no_role", "sales"])
def caller(request, make_user):
    if request.param == "no_role":
        return make_user(username="no-role")
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize(("name", "record", "methods"), ROUTES, ids=[r[0] for r in ROUTES])
def test_a_caller_without_the_right_cannot_tell_a_real_record_from_a_missing_one(
    client, caller, records_b, name, record, methods
):
    if caller.username == "sales" and name.startswith(("case", "portal:case")):
        pytest.skip("sales read every case: nothing to hide")
    client.force_login(caller)
    missing = MISSING_NUMBER if record == "case" else MISSING_ID
    for method in methods:
        real_address, missing_address = _address(name, records_b[record]), _address(name, missing)
        real = _answer(getattr(client, method)(real_address), real_address)
        absent = _answer(getattr(client, method)(missing_address), missing_address)
        assert real == absent, (method, real[:2], absent[:2])
        assert real[0] in (302, 403, 404)


def test_a_customer_cannot_tell_another_customers_file_from_a_missing_one(client, contact_a, case_b, agent):
    event = services.add_comment(
        case=case_b, by=agent, text="附件", public=True, attachments=[SimpleUploadedFile("b.txt", b"b")]
    )
    attachment = event.attachments.get()
    client.force_login(contact_a)

    real_address = reverse("attachment", args=[attachment.pk, attachment.name])
    missing_address = reverse("attachment", args=[MISSING_ID, attachment.name])
    real = _answer(client.get(real_address), real_address)
    absent = _answer(client.get(missing_address), missing_address)

    assert real == absent
    assert real[0] == 404


def test_an_agent_still_takes_a_real_call_back_and_misses_a_missing_one(client, agent, records_b):
    client.force_login(agent)

    assert client.post(_address("portal:take_callback", MISSING_ID)).status_code == 404
    response = client.post(_address("portal:take_callback", records_b["callback"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("intake"))


def test_roles_are_as_the_probes_assume(sales, make_user):
    assert Role.SALES in sales.roles
    assert not make_user(username="nobody").roles
