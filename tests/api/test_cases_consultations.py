"""Consultations answered on the spot (R2.3) over the API: staff only."""

from __future__ import annotations

import pytest

from aftersales.cases import services
from aftersales.cases.models import Channel, Consultation
from tests.factories import ContactFactory

URL = "/api/v1/consultations/"


def _log(customer, by, question="如何导出话单"):
    return services.log_consultation(
        customer=customer, by=by, question=question, answer="管理页导出", channel=Channel.PHONE
    )


def test_agent_records_a_consultation(api, agent, customer_a, equipment_a):
    contact = ContactFactory(customer=customer_a, name="王主任")

    response = api("agent").post(
        URL,
        {
            "customer": customer_a.pk,
            "contact": contact.pk,
            "equipment": equipment_a.pk,
            "question": "  话机如何设置呼叫转移？ ",
            "answer": "按 *72 加号码",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    consultation = Consultation.objects.get(pk=data["id"])
    assert (consultation.question, consultation.answered_by, consultation.channel) == (
        "话机如何设置呼叫转移？",
        agent,
        Channel.PHONE,
    )
    assert (data["customer_name"], data["answered_by"]) == (customer_a.name, "agent")


def test_staff_list_newest_first_and_filter_by_customer(api, agent, customer_a, customer_b):
    first = _log(customer_a, agent, "第一个问题")
    second = _log(customer_b, agent, "第二个问题")
    third = _log(customer_a, agent, "第三个问题")
    client = api("engineer")

    assert [row["id"] for row in client.get(URL).json()["results"]] == [third.pk, second.pk, first.pk]
    assert [row["id"] for row in client.get(f"{URL}?customer={customer_a.pk}").json()["results"]] == [
        third.pk,
        first.pk,
    ]
    assert client.get(f"{URL}{second.pk}/").json()["question"] == "第二个问题"


def test_a_contact_of_another_customer_is_a_field_error(api, customer_a, contact_b):
    response = api("agent").post(
        URL,
        {"customer": customer_a.pk, "contact": contact_b.contact.pk, "question": "q", "answer": "a"},
        format="json",
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"contact"}
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    ("language", "required"), [("zh-hans", "这个字段是必填项。"), ("en", "This field is required.")]
)
def test_a_consultation_without_an_answer_names_the_field(api, customer_a, language, required):
    response = api("agent", **{"Accept-Language": language}).post(
        URL, {"customer": customer_a.pk, "question": "如何重置密码"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"answer": [required]}
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("persona", ["sales", "contact_a"])
def test_only_case_workers_record_consultations(api, customer_a, persona):
    response = api(persona).post(URL, {"customer": customer_a.pk, "question": "q", "answer": "a"}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"
    assert not Consultation.objects.exists()


def test_a_customer_contact_sees_no_consultations_not_even_their_own(api, agent, customer_a, customer_b):
    own, other = _log(customer_a, agent), _log(customer_b, agent)
    client = api("contact_a")
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{own.pk}/").status_code == 404
    assert client.get(f"{URL}{other.pk}/").status_code == 404
