"""The hotline agent's intake screen: find the caller, see the entitlement, log the call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Channel,
    Consultation,
    EventKind,
    Kind,
    Severity,
)
from aftersales.contracts.entitlement import EntitlementKind
from aftersales.notifications.models import Notification
from tests.factories import ContactFactory, ContractFactory

INTAKE = "/intake/"


@pytest.fixture
def agent_client(client, agent):
    agent.language = "en"  # messages are checked in English
    agent.save(update_fields=["language"])
    client.force_login(agent)
    return client


@pytest.fixture
def caller_a(customer_a):
    return ContactFactory(customer=customer_a, name="王主任", mobile="138 1234 5678")


def _form(customer, **overrides):
    data = {
        "mode": "case",
        "customer": customer.pk,
        "kind": Kind.FAULT,
        "severity": Severity.C,
        "channel": Channel.PHONE,
        "title": "交换机无法呼出",
        "description": "所有分机无法拨打外线，内线正常。",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Case, CaseEvent, Attachment, Consultation, CaseNumberCounter, Notification)
    }


def _field_errors(response, field):
    return [str(error) for error in response.context["form"].errors.get(field, [])]


def test_intake_url_is_where_the_tests_post():
    assert reverse("intake") == INTAKE


# --- finding the caller -------------------------------------------------------------------------


def test_intake_asks_to_find_the_caller_first(agent_client):
    response = agent_client.get(INTAKE)

    assert response.status_code == 200
    assert "Find the caller first" in response.content.decode()


def test_caller_is_found_by_part_of_the_mobile_number(agent_client, caller_a):
    response = agent_client.get(INTAKE, {"q": "1234 5678"})

    assert response.context["results"].contacts == [caller_a]
    assert "王主任" in response.content.decode()


def test_customer_is_found_by_a_chinese_name_fragment(agent_client, customer_a, customer_b):
    response = agent_client.get(INTAKE, {"q": "医院"})

    assert response.context["results"].customers == [customer_a]


def test_customer_card_shows_contacts_equipment_and_entitlement(agent_client, customer_a, caller_a, equipment_a):
    equipment_a.acceptance_date = timezone.localdate() - dt.timedelta(days=30)
    equipment_a.save()

    response = agent_client.get(INTAKE, {"customer": customer_a.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "王主任" in html
    assert equipment_a.serial_number in html
    assert [item.entitlement.kind for item in response.context["equipment_list"]] == [EntitlementKind.WARRANTY]


def test_entitlement_panel_quotes_an_out_of_warranty_repair(agent_client, customer_a, equipment_a):
    equipment_a.acceptance_date = dt.date(2020, 1, 1)
    equipment_a.contract_price = Decimal("250000.00")
    equipment_a.save()

    response = agent_client.get(
        INTAKE, {"customer": customer_a.pk, "equipment": equipment_a.pk, "partial": "entitlement"}
    )

    assert response.status_code == 200
    assert "¥30000.00" in response.content.decode()


def test_entitlement_panel_names_the_contract(agent_client, customer_a, equipment_a):
    contract = ContractFactory(
        customer=customer_a, number="WH-2026-0001", start_date=dt.date(2020, 1, 1), end_date=dt.date(2099, 12, 31)
    )
    contract.equipment.add(equipment_a)

    response = agent_client.get(
        INTAKE, {"customer": customer_a.pk, "equipment": equipment_a.pk, "partial": "entitlement"}
    )

    assert "WH-2026-0001" in response.content.decode()


# --- logging a case -----------------------------------------------------------------------------------


def test_logging_a_case_opens_it_and_shows_it(agent_client, agent, customer_a, caller_a, equipment_a):
    response = agent_client.post(
        INTAKE, _form(customer_a, contact=caller_a.pk, equipment=equipment_a.pk, severity=Severity.B)
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.number])
    assert (case.customer, case.contact, case.equipment, case.site) == (
        customer_a,
        caller_a,
        equipment_a,
        equipment_a.site,
    )
    assert (case.severity, case.kind, case.channel, case.taken_by) == (Severity.B, Kind.FAULT, Channel.PHONE, agent)
    assert case.entitlement != EntitlementKind.UNKNOWN
    page = agent_client.get(response["Location"])
    assert f"Case {case.number} opened." in page.content.decode()


def test_engineer_may_log_a_call_too(client, engineer, customer_a):
    client.force_login(engineer)

    response = client.post(INTAKE, _form(customer_a))

    assert response.status_code == 302
    assert Case.objects.get().taken_by == engineer


@pytest.mark.parametrize("role", [Role.SALES, Role.ADMIN])
def test_read_only_staff_cannot_log_calls(client, make_user, customer_a, role):
    client.force_login(make_user(role))

    assert client.get(INTAKE).status_code == 403
    assert client.post(INTAKE, _form(customer_a)).status_code == 403
    assert not Case.objects.exists()


def test_equipment_can_be_given_by_its_serial_number(agent_client, customer_a, equipment_a):
    response = agent_client.post(INTAKE, _form(customer_a, serial_number=f"  {equipment_a.serial_number.lower()} "))

    assert response.status_code == 302
    assert Case.objects.get().equipment == equipment_a


def test_logging_a_case_with_attachments_keeps_them_on_the_opening_entry(agent_client, customer_a):
    photo = SimpleUploadedFile("告警截图.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")

    agent_client.post(INTAKE, _form(customer_a, attachments=[photo]))

    attachment = Attachment.objects.get()
    assert attachment.name == "告警截图.png"
    assert attachment.event.kind == EventKind.CREATED
    assert attachment.is_public


def test_severity_a_call_notifies_the_executives(agent_client, customer_a, executive, make_user):
    other = make_user(Role.EXECUTIVE, username="vp-2")

    agent_client.post(INTAKE, _form(customer_a, severity=Severity.A, title="全院电话瘫痪"))

    case = Case.objects.get()
    recipients = set(
        Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATION).values_list("recipient", flat=True)
    )
    assert recipients == {executive.pk, other.pk}
    assert case.events.filter(kind=EventKind.ESCALATED).exists()


# --- consultations --------------------------------------------------------------------------------------


def test_consultation_answered_on_the_spot_is_recorded_without_a_case(agent_client, agent, customer_a, caller_a):
    response = agent_client.post(
        INTAKE,
        _form(
            customer_a,
            mode="consultation",
            contact=caller_a.pk,
            title="如何设置呼叫转移",
            description="分机 8001 想转到手机",
            answer="拨 *72 加手机号码后挂机即可。",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"{INTAKE}?customer={customer_a.pk}"
    consultation = Consultation.objects.get()
    assert (consultation.customer, consultation.contact, consultation.answered_by) == (customer_a, caller_a, agent)
    assert "如何设置呼叫转移" in consultation.question
    assert consultation.answer == "拨 *72 加手机号码后挂机即可。"
    assert not Case.objects.exists()
    page = agent_client.get(response["Location"])
    assert "Consultation recorded." in page.content.decode()
    assert "如何设置呼叫转移" in page.content.decode(), "the customer's history shows it"


def test_consultation_needs_the_answer_given(agent_client, customer_a):
    before = _counts()

    response = agent_client.post(INTAKE, _form(customer_a, mode="consultation", answer="  "))

    assert response.status_code == 400
    assert _field_errors(response, "answer") == ["Write the answer given to the caller."]
    assert _counts() == before


# --- bad input: a field-level message, nothing half-saved -----------------------------------------------


def test_empty_title_is_a_field_error(agent_client, customer_a):
    before = _counts()

    response = agent_client.post(INTAKE, _form(customer_a, title="   "))

    assert response.status_code == 400
    assert _field_errors(response, "title") == ["This field is required."]
    assert _counts() == before


def test_over_long_title_is_a_field_error(agent_client, customer_a):
    before = _counts()

    response = agent_client.post(INTAKE, _form(customer_a, title="长" * 201, severity=Severity.A))

    assert response.status_code == 400
    (message,) = _field_errors(response, "title")
    assert "at most 200 characters (it has 201)" in message
    assert message in response.content.decode()
    assert _counts() == before


def test_title_of_exactly_200_characters_is_accepted(agent_client, customer_a):
    response = agent_client.post(INTAKE, _form(customer_a, title="长" * 200))

    assert response.status_code == 302
    assert len(Case.objects.get().title) == 200


def test_attachment_over_the_limit_is_a_field_error_and_saves_nothing(agent_client, customer_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 2048
    before = _counts()
    big = SimpleUploadedFile("现场录像.mp4", b"\x00" * 2049)

    response = agent_client.post(INTAKE, _form(customer_a, severity=Severity.A, attachments=[big]))

    assert response.status_code == 400
    (message,) = _field_errors(response, "attachments")
    assert "现场录像.mp4" in message and "at most 2.0\xa0KB" in message
    assert _counts() == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"anything", "program files (.exe) are not accepted"),
        ("说明书.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, "looks like a program"),
    ],
    ids=["exe-by-name", "pe-disguised-as-pdf"],
)
def test_program_file_is_a_field_error_and_saves_nothing(agent_client, customer_a, name, content, message):
    before = _counts()
    good = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\nfake")

    response = agent_client.post(INTAKE, _form(customer_a, attachments=[good, SimpleUploadedFile(name, content)]))

    assert response.status_code == 400
    (error,) = _field_errors(response, "attachments")
    assert message in error
    assert _counts() == before


@pytest.mark.parametrize("field", ["contact", "site", "equipment"])
def test_another_customers_record_is_a_field_error(agent_client, customer_a, customer_b, equipment_b, field):
    others = {
        "contact": ContactFactory(customer=customer_b).pk,
        "site": equipment_b.site_id,
        "equipment": equipment_b.pk,
    }
    before = _counts()

    response = agent_client.post(INTAKE, _form(customer_a, **{field: others[field]}))

    assert response.status_code == 400
    assert _field_errors(response, field), response.context["form"].errors
    assert _counts() == before


def test_serial_number_of_another_customers_equipment_is_a_field_error(agent_client, customer_a, equipment_b):
    before = _counts()

    response = agent_client.post(INTAKE, _form(customer_a, serial_number=equipment_b.serial_number))

    assert response.status_code == 400
    (message,) = _field_errors(response, "serial_number")
    assert equipment_b.serial_number in message
    assert _counts() == before


def test_excluded_cause_without_equipment_is_a_field_error(agent_client, customer_a):
    before = _counts()

    response = agent_client.post(INTAKE, _form(customer_a, excluded_cause="misuse"))

    assert response.status_code == 400
    assert _field_errors(response, "excluded_cause") == ["An excluded cause needs the equipment it applies to."]
    assert _counts() == before


def test_inactive_customer_cannot_be_chosen(agent_client, customer_a):
    customer_a.is_active = False
    customer_a.save()

    response = agent_client.post(INTAKE, _form(customer_a))

    assert response.status_code == 400
    assert _field_errors(response, "customer")
    assert not Case.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("severity", "E"), ("kind", "gossip"), ("channel", "pigeon")])
def test_unknown_choice_is_a_field_error(agent_client, customer_a, field, value):
    response = agent_client.post(INTAKE, _form(customer_a, **{field: value}))

    assert response.status_code == 400
    assert _field_errors(response, field)
    assert not Case.objects.exists()
