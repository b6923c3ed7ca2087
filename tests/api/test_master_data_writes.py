"""Administrators create and change master data through the API; the model's rules decide
what is valid, and the refusal names the field. Nobody else writes, and nothing is deleted."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.contracts.models import ServiceContract
from aftersales.customers.models import Contact, Customer
from aftersales.installed_base.models import Equipment
from tests.factories import ContractFactory, EquipmentFactory, SiteFactory


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMIN, username="administrator")


@pytest.fixture
def as_admin(administrator):
    key = create_token(user=administrator, name="集成", scope=ApiToken.Scope.READ_WRITE).key
    return APIClient(headers={"Authorization": f"Token {key}", "Accept-Language": "zh-hans"})


def test_an_administrator_creates_a_customer_and_its_contact_with_the_phone_normalised(as_admin):
    response = as_admin.post("/api/v1/customers/", {"code": "metro", "name": "上海地铁运营公司"}, format="json")
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(code="metro")
    response = as_admin.post(
        "/api/v1/contacts/",
        {"customer": customer.pk, "name": "王主任", "mobile": "+86 139-1234-5678", "email": "wang@metro.example"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mobile"] == Contact.objects.get(name="王主任").mobile == "13912345678"


def test_a_malformed_phone_or_a_taken_code_is_refused_by_field_and_nothing_is_written(as_admin, customer_a):
    before = Contact.objects.count(), Customer.objects.count()
    bad_phone = as_admin.post(
        "/api/v1/contacts/", {"customer": customer_a.pk, "name": "张工", "mobile": "12ab"}, format="json"
    )
    assert bad_phone.status_code == 400
    assert bad_phone.json()["code"] == "invalid" and list(bad_phone.json()["fields"]) == ["mobile"]
    assert "不是有效的电话号码" in bad_phone.json()["fields"]["mobile"][0]
    taken = as_admin.post(
        "/api/v1/customers/",
        {"code": customer_a.code, "name": "另一家"},
        format="json",
        headers={"Accept-Language": "en"},
    )
    assert taken.status_code == 400 and list(taken.json()["fields"]) == ["code"]
    assert (Contact.objects.count(), Customer.objects.count()) == before


def test_equipment_belongs_to_its_sites_customer_and_a_serial_is_unique_per_vendor(as_admin, customer_b, equipment_a):
    site = SiteFactory(customer=customer_b)
    body = {"site": site.pk, "product_model": equipment_a.product_model_id, "serial_number": " fdo2611x0ab "}
    response = as_admin.post("/api/v1/equipment/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == customer_b.pk
    assert Equipment.objects.get(pk=response.json()["id"]).serial_number == "FDO2611X0AB"

    again = as_admin.post("/api/v1/equipment/", body | {"serial_number": equipment_a.serial_number}, format="json")
    assert again.status_code == 400 and "serial_number" in again.json()["fields"]
    dates = as_admin.patch(
        f"/api/v1/equipment/{response.json()['id']}/",
        {"install_date": "2026-03-01", "acceptance_date": "2026-02-01"},
        format="json",
    )
    assert dates.status_code == 400 and list(dates.json()["fields"]) == ["acceptance_date"]


def test_a_contract_may_only_cover_its_own_customers_equipment(as_admin, customer_a, equipment_a, equipment_b):
    body = {
        "number": "WH-2026-0099",
        "customer": customer_a.pk,
        "name": "门诊楼语音系统代维",
        "coverage": "7x24",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "equipment": [equipment_a.pk, equipment_b.pk],
    }
    refused = as_admin.post("/api/v1/contracts/", body, format="json")
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["equipment"]
    assert equipment_b.serial_number in refused.json()["fields"]["equipment"][0]
    created = as_admin.post("/api/v1/contracts/", body | {"equipment": [equipment_a.pk]}, format="json")
    assert created.status_code == 201, created.content
    assert list(ServiceContract.objects.get(number="WH-2026-0099").equipment.all()) == [equipment_a]


def test_rows_are_retired_not_deleted(as_admin, customer_a):
    response = as_admin.patch(f"/api/v1/customers/{customer_a.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert as_admin.delete(f"/api/v1/customers/{customer_a.pk}/").status_code == 405
    assert Customer.objects.filter(pk=customer_a.pk).exists()


@pytest.mark.parametrize("persona", ["agent", "manager", "executive", "sales", "contact_a"])
def test_nobody_else_writes_master_data(api, persona, customer_a):
    client = api(persona)
    response = client.post("/api/v1/customers/", {"code": "x", "name": "某公司"}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "not_allowed"
    response = client.patch(f"/api/v1/customers/{customer_a.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 422
    assert Customer.objects.get(pk=customer_a.pk).name == "上海第一人民医院"
    assert not Customer.objects.filter(code="x").exists()


def test_a_read_only_token_of_an_administrator_cannot_write(administrator, customer_a):
    key = create_token(user=administrator, name="只读", scope=ApiToken.Scope.READ).key
    client = APIClient(headers={"Authorization": f"Token {key}"})
    response = client.patch(f"/api/v1/customers/{customer_a.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer_a.pk).name == "上海第一人民医院"


def test_a_customer_cannot_even_find_another_customers_rows_to_change(api, customer_b):
    contract = ContractFactory(customer=customer_b)
    equipment = EquipmentFactory(site=SiteFactory(customer=customer_b))
    client = api("contact_a")
    for path in [f"customers/{customer_b.pk}", f"equipment/{equipment.pk}", f"contracts/{contract.pk}"]:
        assert client.patch(f"/api/v1/{path}/", {"is_active": False}, format="json").status_code == 404, path


def test_a_malformed_email_is_refused_and_an_empty_one_kept_empty(as_admin, customer_a):
    bad = as_admin.post("/api/v1/contacts/", {"customer": customer_a.pk, "name": "李工", "email": "li@"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["email"]
    empty = as_admin.post("/api/v1/contacts/", {"customer": customer_a.pk, "name": "李工", "email": ""}, format="json")
    assert empty.status_code == 201 and empty.json()["email"] == ""
