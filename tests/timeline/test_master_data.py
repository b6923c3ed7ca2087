"""Master data and portal access leave an audit on their subject's timeline: who changed what,
as field names and raw values, worded in the reader's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.cases import services as case_services
from aftersales.contracts.models import ServiceContract
from aftersales.customers.models import Contact, Customer, Site
from aftersales.installed_base.models import Equipment
from aftersales.portal import services as portal
from aftersales.portal.models import Registration
from aftersales.timeline.models import Entry
from aftersales.timeline.rendering import render
from tests.factories import ContactFactory, ContractFactory, EquipmentFactory, SiteFactory, UserFactory


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMIN, username="administrator")


@pytest.fixture
def as_admin(administrator):
    key = create_token(user=administrator, name="集成", scope=ApiToken.Scope.READ_WRITE).key
    return APIClient(headers={"Authorization": f"Token {key}"})


def _entries(subject, kind):
    return list(Entry.objects.for_subject(subject).filter(kind=kind).order_by("created_at", "pk"))


PATCHES = [
    pytest.param("customers", lambda world: world["customer"], {"short_name": "一院"}, "short_name", id="customer"),
    pytest.param("contacts", lambda world: world["contact"], {"title": "信息科主任"}, "title", id="contact"),
    pytest.param("sites", lambda world: world["site"], {"address": "中山北路 1 号"}, "address", id="site"),
    pytest.param(
        "equipment", lambda world: world["equipment"], {"software_version": "V9.1"}, "software_version", id="equipment"
    ),
    pytest.param("contracts", lambda world: world["contract"], {"name": "三年维护协议"}, "name", id="contract"),
]


@pytest.fixture
def world(customer_a):
    site = SiteFactory(customer=customer_a, name="门诊楼机房")
    return {
        "customer": customer_a,
        "contact": ContactFactory(customer=customer_a, name="王主任"),
        "site": site,
        "equipment": EquipmentFactory(site=site),
        "contract": ContractFactory(customer=customer_a),
    }


@pytest.mark.parametrize(("route", "row", "payload", "field"), PATCHES)
def test_an_api_change_of_master_data_is_on_the_rows_timeline(
    route, row, payload, field, as_admin, administrator, world
):
    subject = row(world)
    before = getattr(subject, field)

    response = as_admin.patch(f"/api/v1/{route}/{subject.pk}/", payload, format="json")

    assert response.status_code == 200, response.content
    (entry,) = _entries(subject, "record.changed")
    assert entry.actor == administrator and not entry.public
    assert entry.data["changes"] == {field: [before, payload[field]]}


def test_an_api_change_that_changes_nothing_records_nothing(as_admin, world):
    as_admin.patch(f"/api/v1/customers/{world['customer'].pk}/", {"name": world["customer"].name}, format="json")

    assert not _entries(world["customer"], "record.changed")


@pytest.mark.parametrize(
    ("route", "payload", "model", "lookup"),
    [
        ("customers", {"code": "metro", "name": "上海地铁运营公司"}, Customer, {"code": "metro"}),
        ("contacts", {"name": "赵工", "mobile": "+86 139-1234-5678"}, Contact, {"name": "赵工"}),
        ("sites", {"name": "住院楼机房", "region": "徐汇区", "address": "宜山路 1 号"}, Site, {"name": "住院楼机房"}),
    ],
    ids=["customer", "contact", "site"],
)
def test_an_api_creation_records_the_fields_set_by_raw_value(route, payload, model, lookup, as_admin, customer_a):
    if route != "customers":
        payload = {"customer": customer_a.pk, **payload}

    response = as_admin.post(f"/api/v1/{route}/", payload, format="json")

    assert response.status_code == 201, response.content
    row = model.objects.get(**lookup)
    (entry,) = _entries(row, "record.created")
    for name in payload:
        stored = model._meta.get_field(name).value_from_object(row)
        assert entry.data["changes"][name] == [None, stored]


def test_a_contract_change_of_its_equipment_records_the_ids(as_admin, world):
    contract, equipment = world["contract"], world["equipment"]

    as_admin.patch(f"/api/v1/contracts/{contract.pk}/", {"equipment": [equipment.pk]}, format="json")

    (entry,) = _entries(contract, "record.changed")
    assert entry.data["changes"] == {"equipment": [[], [equipment.pk]]}
    with translation.override("en"):
        (line,) = render(entry).changes
    assert line.after == str(equipment)


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "名称"), ("en", "name")])
def test_a_master_data_entry_reads_in_the_readers_language(language, label, as_admin, world):
    as_admin.patch(f"/api/v1/contracts/{world['contract'].pk}/", {"name": "三年维护协议"}, format="json")
    (entry,) = _entries(world["contract"], "record.changed")

    with translation.override(language):
        (line,) = render(entry).changes

    assert (line.label, line.before, line.after) == (label, "年度维护协议", "三年维护协议")


# --- the administration pages ----------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    client.root = root
    return client


def test_a_contact_added_and_changed_in_the_admin_is_on_its_timeline(admin_client, customer_a):
    form = {"customer": customer_a.pk, "name": "赵工", "mobile": "+86 138-1234-5678", "phone": "", "is_active": "on"}
    assert admin_client.post(reverse("admin:customers_contact_add"), form).status_code == 302
    contact = Contact.objects.get(name="赵工")

    changed = {**form, "title": "工程师"}
    assert admin_client.post(reverse("admin:customers_contact_change", args=[contact.pk]), changed).status_code == 302

    (created,) = _entries(contact, "record.created")
    (change,) = _entries(contact, "record.changed")
    assert created.actor == change.actor == admin_client.root
    assert created.data["changes"]["mobile"] == [None, "13812345678"]
    assert change.data["changes"] == {"title": ["", "工程师"]}


# --- portal access ---------------------------------------------------------------------------


@pytest.fixture
def hospital(customer_a):
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()
    return customer_a


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "rejected"])
def test_a_registration_and_its_decision_are_on_its_timeline(approve, hospital, manager):
    registration = portal.register(name="李四", email="lisi@hospital-a.cn")
    (requested,) = _entries(registration, portal.REGISTRATION_REQUESTED)
    assert requested.actor is None
    assert requested.data == {"changes": {"customer": [None, hospital.pk]}}

    decided = portal.decide_registration(registration=registration, by=manager, approve=approve)

    (decision,) = _entries(registration, portal.REGISTRATION_DECIDED)
    status = Registration.Status.APPROVED if approve else Registration.Status.REJECTED
    assert decision.actor == manager
    assert decision.data["changes"] == {"status": ["pending", status], "contact": [None, decided.contact_id]}
    invitations = _entries(decided.contact, portal.INVITED) if approve else []
    assert [entry.data["changes"]["user"][1] for entry in invitations] == (
        [Contact.objects.get(pk=decided.contact_id).user_id] if approve else []
    )


def test_an_invitation_is_on_the_contacts_timeline_and_reads_in_chinese(hospital, manager):
    contact = ContactFactory(customer=hospital, name="钱工", email="qian@hospital-a.cn")

    user = portal.invite_contact(contact=contact, by=manager)

    (entry,) = _entries(contact, portal.INVITED)
    assert entry.actor == manager and entry.data == {"changes": {"user": [None, user.pk]}}
    with translation.override("zh-hans"):
        rendered = render(entry)
    assert rendered.label == "已邀请使用客户门户"
    assert rendered.changes[0].after == str(user)


def test_equipment_and_contract_models_are_recorded_too(as_admin, world):
    as_admin.patch(f"/api/v1/equipment/{world['equipment'].pk}/", {"hostname": "pbx-01"}, format="json")

    assert _entries(Equipment.objects.get(pk=world["equipment"].pk), "record.changed")
    assert not _entries(ServiceContract.objects.get(pk=world["contract"].pk), "record.changed")


def test_the_case_admin_page_lists_the_case_timeline_read_only(admin_client, engineer, case_a):
    case_services.add_comment(case=case_a, by=engineer, text="怀疑中继板故障", public=False)

    page = admin_client.get(reverse("admin:cases_case_change", args=[case_a.pk]))

    assert page.status_code == 200
    assert "怀疑中继板故障" in page.content.decode()
