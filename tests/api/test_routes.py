"""Every route of the API router, for every role, pointed at customer B's records.

The table must name every route the router has, so a new endpoint is noticed here. Customer A's
contact gets 404 for B's case (detail, actions, comments) and for B's master data, exactly as
for something that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from aftersales.api.urls import router
from aftersales.cases.models import Case, CaseEvent
from tests.factories import ContractFactory

ROUTE_NAMES = {url.name for url in router.urls}
ROLES = ["agent", "engineer", "manager", "executive", "sales", "contact_a", None]
STAFF = ["agent", "engineer", "manager", "executive", "sales"]


def expect(staff: int, contact: int, anonymous: int = 401, **by_role: int) -> dict:
    table = dict.fromkeys(STAFF, staff) | {"contact_a": contact, None: anonymous}
    return table | by_role


@dataclass(frozen=True)
class Probe:
    route: str
    method: str
    path: str  # formatted with the world's attributes
    expected: dict
    body: dict | None = None


PROBES = [
    Probe("api-root", "get", "/api/v1/", expect(200, 200)),
    Probe("customer-list", "get", "/api/v1/customers/", expect(200, 200)),
    Probe("customer-detail", "get", "/api/v1/customers/{customer_b.pk}/", expect(200, 404)),
    Probe("contact-list", "get", "/api/v1/contacts/", expect(200, 200)),
    Probe("contact-detail", "get", "/api/v1/contacts/{contact_b.pk}/", expect(200, 404)),
    Probe("site-list", "get", "/api/v1/sites/", expect(200, 200)),
    Probe("site-detail", "get", "/api/v1/sites/{site_b.pk}/", expect(200, 404)),
    Probe("product-model-list", "get", "/api/v1/product-models/", expect(200, 200)),
    Probe("product-model-detail", "get", "/api/v1/product-models/{product_model_b.pk}/", expect(200, 200)),
    Probe("equipment-list", "get", "/api/v1/equipment/", expect(200, 200)),
    Probe("equipment-detail", "get", "/api/v1/equipment/{equipment_b.pk}/", expect(200, 404)),
    Probe("contract-list", "get", "/api/v1/contracts/", expect(200, 200)),
    Probe("contract-detail", "get", "/api/v1/contracts/{contract_b.pk}/", expect(200, 404)),
    Probe("case-list", "get", "/api/v1/cases/?status=all", expect(200, 200)),
    Probe(
        "case-list",
        "post",
        "/api/v1/cases/",
        expect(201, 422, sales=422),
        body={"customer": "{customer_b.pk}", "title": "API 报障", "description": "全部中继掉线", "severity": "B"},
    ),
    Probe("case-detail", "get", "/api/v1/cases/{case_b.number}/", expect(200, 404)),
    Probe(
        "case-detail", "patch", "/api/v1/cases/{case_b.number}/", expect(200, 404, sales=422), body={"title": "新标题"}
    ),
    # Accepting is for engineers and managers; the others are refused by the workflow (422).
    Probe(
        "case-action",
        "post",
        "/api/v1/cases/{case_b.number}/actions/accept/",
        expect(422, 404, engineer=200, manager=200),
        body={},
    ),
    Probe(
        "case-comments",
        "post",
        "/api/v1/cases/{case_b.number}/comments/",
        expect(201, 404, sales=422),
        body={"text": "已联系客户", "public": True},
    ),
    # Only a monitoring source's integration user posts alarms (tests/monitoring); every persona
    # here is refused before the body is read.
    Probe(
        "alarm-list",
        "post",
        "/api/v1/alarms/",
        expect(403, 403),
        body={
            "serial_number": "{equipment_b.serial_number}",
            "alarm_id": "1",
            "text": "告警",
            "raised_at": "2026-11-22T09:00:00+08:00",
        },
    ),
]


def test_the_table_names_every_route_of_the_router():
    assert {probe.route for probe in PROBES} == ROUTE_NAMES


@dataclass
class World:
    customer_b: object
    contact_b: object
    site_b: object
    equipment_b: object
    product_model_b: object
    contract_b: object
    case_a: Case
    case_b: Case


@pytest.fixture
def world(case_a, case_b, customer_b, contact_b, equipment_b):
    return World(
        customer_b=customer_b,
        contact_b=contact_b.contact,
        site_b=equipment_b.site,
        equipment_b=equipment_b,
        product_model_b=equipment_b.product_model,
        contract_b=ContractFactory(customer=customer_b),
        case_a=case_a,
        case_b=case_b,
    )


def _fill(value, world):
    return value.format(**world.__dict__) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p.method}-{p.route}")
def test_route_answers_each_role(api, world, probe, role):
    body = {key: _fill(value, world) for key, value in (probe.body or {}).items()}
    events_before = CaseEvent.objects.filter(case=world.case_b).count()
    response = getattr(api(role), probe.method)(_fill(probe.path, world), body, format="json")
    assert response.status_code == probe.expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}
        # A refusal changes nothing.
        assert CaseEvent.objects.filter(case=world.case_b).count() == events_before


@pytest.mark.parametrize("route", ["customer", "contact", "site", "equipment"])
def test_customer_contact_lists_only_their_own_organisation(api, world, customer_a, route):
    rows = api("contact_a").get(f"/api/v1/{route}s/".replace("equipments", "equipment")).json()["results"]
    customer_ids = {row["id"] if route == "customer" else row["customer"] for row in rows}
    assert customer_ids == {customer_a.pk}


def test_customer_contact_sees_no_contracts(api, world, customer_a):
    ContractFactory(customer=customer_a)
    assert api("contact_a").get("/api/v1/contracts/").json()["results"] == []


@pytest.mark.parametrize(
    "query", ["?status=all", "?q={case_b.number}", "?q=柜员终端", "?customer={customer_b.pk}", "?due=soon"]
)
def test_customer_b_case_is_absent_from_customer_a_lists_and_search(api, world, query):
    numbers = [row["number"] for row in api("contact_a").get("/api/v1/cases/" + _fill(query, world)).json()["results"]]
    assert world.case_b.number not in numbers
    assert set(numbers) <= {world.case_a.number}


def test_staff_search_finds_customer_b_case(api, world):
    rows = api("agent").get("/api/v1/cases/?q=柜员终端").json()["results"]
    assert [row["number"] for row in rows] == [world.case_b.number]


def test_contact_whose_record_is_deactivated_sees_nothing(api, world, contact_a):
    contact_a.contact.is_active = False
    contact_a.contact.save()
    client = api("contact_a")
    for route in ["customers", "contacts", "sites", "equipment", "cases"]:
        assert client.get(f"/api/v1/{route}/?status=all").json()["results"] == [], route


def test_customer_contact_reads_their_own_case_but_cannot_act_on_it(api, world):
    client = api("contact_a")
    assert client.get(f"/api/v1/cases/{world.case_a.number}/").status_code == 200
    response = client.post(f"/api/v1/cases/{world.case_a.number}/actions/accept/", {}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"


@pytest.mark.parametrize("route", ["customers", "contacts", "sites", "equipment", "contracts", "product-models"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_master_data_is_read_only(api, world, route, method):
    response = getattr(api("manager"), method)(f"/api/v1/{route}/", {}, format="json")
    assert response.status_code == 405
    assert set(response.json()) == {"code", "message", "fields"}


def test_api_root_speaks_the_requests_language(api, db):
    response = api(None, **{"Accept-Language": "en"}).get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication credentials were not provided."
