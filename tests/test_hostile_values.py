"""Pages: out-of-range ids and dates in filters and form fields are a field error, never a
server error, on SQLite and PostgreSQL. Every field of the queue's filter form and of the
forms below is walked with each hostile value.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.forms import QueueForm
from aftersales.cases.models import Case
from tests.factories import ContactFactory

HOSTILE = [
    "99999999999999999999",
    "-99999999999999999999",
    str(2**63),
    str(2**31),
    "0001-01-01T00:00:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59",
]


def _queue_fields(user) -> list[str]:
    return sorted(QueueForm(user=user).fields)


@pytest.fixture
def staff_client(client, agent):
    client.force_login(agent)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("value", HOSTILE)
def test_every_queue_filter_answers_a_field_error(staff_client, agent, case_a, value):
    for name in _queue_fields(agent):
        response = staff_client.get(reverse("case_list"), {name: value})
        assert response.status_code in (200, 400), (name, response.status_code)
        if response.status_code == 400:
            assert name in response.context["form"].errors, name
            assert 'class="errors"' in response.content.decode()


def test_the_queue_shows_which_filter_is_wrong(staff_client, case_a):
    response = staff_client.get(reverse("case_list"), {"customer": "99999999999999999999"})

    assert response.status_code == 400
    assert response.context["form"].errors["customer"]


@pytest.mark.parametrize("value", HOSTILE)
def test_intake_lookups_and_form_answer_a_field_error(staff_client, customer_a, equipment_a, value):
    for name in ("customer", "contact", "equipment"):
        params = {"customer": customer_a.pk, name: value}
        assert staff_client.get(reverse("intake"), params).status_code == 200, name
    for name in ("customer", "contact", "site", "equipment"):
        body = {
            "mode": "case",
            "customer": customer_a.pk,
            "kind": "fault",
            "severity": "C",
            "channel": "phone",
            "title": "总机故障",
            "description": "无法呼出",
            name: value,
        }
        response = staff_client.post(reverse("intake"), body)
        assert response.status_code == 400, name
        assert name in response.context["form"].errors, name
    assert not Case.objects.exists() or Case.objects.count() == 0


@pytest.fixture
def working_case(case_a, engineer):
    return services.transition(case=case_a, action="accept", by=engineer, text="")


@pytest.mark.parametrize("value", HOSTILE)
def test_case_page_forms_answer_a_field_error(client, manager, working_case, value):
    client.force_login(manager)
    client.raise_request_exception = False
    number = working_case.number
    posts = [
        ("case_assign", {"owner": value, "team": ""}, "owner"),
        ("case_assign", {"owner": "", "team": value}, "team"),
        (
            "case_request_suspension",
            {"reason": "停机窗口", "consent_by": "张工", "consent_channel": "phone", "consent_at": value},
            "consent_at",
        ),
    ]
    for name, body, field in posts:
        response = client.post(reverse(name, args=[number]), body)
        assert response.status_code == 400, (name, field)
    response = client.post(
        reverse("case_decide_suspension", args=[number]), {"request": value, "decision": "approve", "note": ""}
    )
    assert response.status_code in (400, 404)


@pytest.fixture
def colleague_a(make_user, customer_a):
    user = make_user(Role.CUSTOMER, username="colleague-a")
    ContactFactory(customer=customer_a, user=user, name="同事")
    return user


@pytest.mark.parametrize("value", HOSTILE)
def test_portal_request_form_answers_a_field_error(client, contact_a, colleague_a, equipment_a, value):
    client.force_login(contact_a)
    client.raise_request_exception = False
    body = {"equipment": equipment_a.pk, "severity": "C", "kind": "fault", "title": "分机故障", "description": "三楼"}
    for name in ("equipment", "copies"):
        response = client.post(reverse("portal:case_new"), body | {name: [value]})
        assert response.status_code == 400, name
        assert name in response.context["form"].errors, name
    assert not Case.objects.exists()
