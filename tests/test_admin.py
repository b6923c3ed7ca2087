"""Master data in the administration pages: changelists load and search works on Chinese text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.contracts.models import ServiceContract
from aftersales.customers.models import Contact, Customer, Site
from aftersales.installed_base.models import Equipment, ProductModel
from tests.factories import (
    ContactFactory,
    ContractFactory,
    EquipmentFactory,
    ProductModelFactory,
    SiteFactory,
    UserFactory,
    VendorFactory,
)


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def master_data(customer_a, customer_b):
    """A hospital and a bank, each with a contact, a site, equipment and a contract."""
    nurse_call = ProductModelFactory(vendor=VendorFactory(name="Ascom"), name="医院护士站呼叫系统 NC-200")
    queue_machine = ProductModelFactory(vendor=VendorFactory(name="Wincor"), name="银行排队机 Q-9")
    hospital_site = SiteFactory(customer=customer_a, name="门诊楼机房")
    bank_site = SiteFactory(customer=customer_b, name="数据中心")
    data = {
        "hospital": {
            Customer: customer_a,
            Contact: ContactFactory(customer=customer_a, name="王主任", mobile="138 1234 5678"),
            Site: hospital_site,
            Equipment: EquipmentFactory(site=hospital_site, product_model=nurse_call),
            ServiceContract: ContractFactory(customer=customer_a, name="年度维护协议"),
            ProductModel: nurse_call,
        },
        "bank": {
            Customer: customer_b,
            Contact: ContactFactory(customer=customer_b, name="李经理", mobile="139 8765 4321"),
            Site: bank_site,
            Equipment: EquipmentFactory(site=bank_site, product_model=queue_machine),
            ServiceContract: ContractFactory(customer=customer_b, name="年度维护协议"),
            ProductModel: queue_machine,
        },
    }
    return data


MODELS = [Customer, Contact, Site, Equipment, ServiceContract, ProductModel]


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_loads_for_a_superuser(admin_client, master_data, model):
    response = admin_client.get(_changelist(model))

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {master_data["hospital"][model], master_data["bank"][model]}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_search_finds_the_hospital_by_chinese_text(admin_client, master_data, model):
    response = admin_client.get(_changelist(model), {"q": "医院"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [master_data["hospital"][model]]


def test_customer_search_finds_the_customer_by_a_contacts_mobile(admin_client, master_data):
    response = admin_client.get(_changelist(Customer), {"q": "13812345678"})

    assert list(response.context["cl"].result_list) == [master_data["hospital"][Customer]]


def test_admin_is_closed_to_staff_without_the_staff_flag(client, engineer):
    client.force_login(engineer)

    response = client.get(_changelist(Customer))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_contact_added_in_admin_is_stored_with_a_normalised_number(admin_client, customer_a):
    response = admin_client.post(
        reverse("admin:customers_contact_add"),
        {"customer": customer_a.pk, "name": "赵工", "mobile": "+86 138-1234-5678", "phone": "", "is_active": "on"},
    )

    assert response.status_code == 302
    assert Contact.objects.get(name="赵工").mobile == "13812345678"


def test_contact_with_a_bad_number_is_refused_in_admin_with_a_message(admin_client, customer_a):
    response = admin_client.post(
        reverse("admin:customers_contact_add"),
        {"customer": customer_a.pk, "name": "赵工", "mobile": "abc", "phone": "", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "mobile" in response.context["adminform"].form.errors
    assert not Contact.objects.filter(name="赵工").exists()
