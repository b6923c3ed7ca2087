"""The API's spare-parts endpoints: customers see and answer their own part requests and quotes
only (another customer's are a 404, as for none); stock, ledger and RMAs are staff-only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.parts import services
from aftersales.parts.models import PartRequest


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def filed(working_case, part, engineer):
    return services.file_part_request(case=working_case, part=part, faulty_serial="BAD-1", by=engineer)


def test_customer_lists_and_confirms_their_own_part_request(api, contact_a, filed):
    client = api(contact_a)
    rows = client.get("/api/v1/part-requests/").json()["results"]
    assert [row["number"] for row in rows] == [filed.number]
    response = client.post(f"/api/v1/part-requests/{filed.pk}/confirm/", {}, format="json")
    assert response.status_code == 200 and response.json()["confirmed_through"] == "portal"


def test_another_customer_neither_lists_nor_finds_nor_answers_it(api, contact_b, filed):
    client = api(contact_b)
    assert client.get("/api/v1/part-requests/").json()["results"] == []
    assert client.get(f"/api/v1/part-requests/{filed.pk}/").status_code == 404
    assert client.post(f"/api/v1/part-requests/{filed.pk}/confirm/", {}, format="json").status_code == 404
    assert PartRequest.objects.get(pk=filed.pk).status == PartRequest.Status.AWAITING_CONSENT


@pytest.mark.parametrize("route", ["warehouses", "parts", "stock", "stock-movements", "rmas"])
def test_stock_and_rmas_are_staff_only(api, contact_a, clerk, stocked, route):
    assert api(contact_a).get(f"/api/v1/{route}/").json()["results"] == []
    assert api(clerk).get(f"/api/v1/{route}/").json()["results"] != [] or route == "rmas"


def test_clerk_records_a_movement_and_a_refusal_names_the_field(api, clerk, stocked, part):
    client = api(clerk)
    body = {"warehouse": stocked.pk, "part": part.pk, "kind": "issue", "quantity": 3, "reason": "抢修"}
    refused = client.post("/api/v1/stock-movements/", body, format="json")
    assert refused.status_code == 422 and "quantity" in refused.json()["fields"]
    body["quantity"] = 2
    assert client.post("/api/v1/stock-movements/", body, format="json").status_code == 201
    stock = client.get(f"/api/v1/stock/?warehouse={stocked.pk}").json()["results"]
    assert [(row["on_hand"], row["available"]) for row in stock] == [(0, 0)]


def test_rma_history_filters_by_serial(api, clerk, branch, part):
    services.claim_rma(number="R1", warehouse=branch, part=part, faulty_serial="BAD-A", by=clerk)
    services.claim_rma(number="R2", warehouse=branch, part=part, faulty_serial="BAD-B", by=clerk)
    rows = api(clerk).get("/api/v1/rmas/?serial=bad-b").json()["results"]
    assert [row["number"] for row in rows] == ["R2"]


def test_return_offer_through_the_api_manager_approves_customer_agrees(
    api, working_case, engineer, manager, contact_a, contact_b
):
    body = {"case": working_case.number, "remedy": "refund", "reason": "无法修复", "refund_amount": "5000.00"}
    offer = api(engineer).post("/api/v1/return-offers/", body, format="json").json()
    assert offer["status"] == "awaiting_approval"
    decided = api(manager).post(
        f"/api/v1/return-offers/{offer['id']}/decision/", {"decision": "approve"}, format="json"
    )
    assert decided.json()["status"] == "awaiting_consent"
    assert api(contact_b).post(f"/api/v1/return-offers/{offer['id']}/agree/", {}, format="json").status_code == 404
    agreed = api(contact_a).post(f"/api/v1/return-offers/{offer['id']}/agree/", {}, format="json")
    assert agreed.json()["status"] == "agreed"


def test_a_remedy_the_cover_does_not_allow_is_a_field_error(api, open_case, customer_a, equipment_a, engineer):
    import datetime as dt

    from tests.factories import EquipmentFactory

    old = EquipmentFactory(site=equipment_a.site, acceptance_date=dt.date(2019, 1, 1))
    case = open_case(customer_a, equipment=old)
    body = {"case": case.number, "remedy": "exchange", "reason": "无法修复"}
    response = api(engineer).post("/api/v1/return-offers/", body, format="json")
    assert response.status_code == 422 and "remedy" in response.json()["fields"]


def test_the_case_timeline_in_the_api_carries_the_parts_entries(api, engineer, filed):
    events = api(engineer).get(f"/api/v1/cases/{filed.case.number}/").json()["timeline"]
    filed_entries = [e for e in events if e["kind"] == "parts.request.filed"]
    assert filed_entries and filed_entries[0]["kind_display"] == "已提交备件申请"


def test_clerk_transfers_stock_and_cannot_move_more_than_is_available(api, clerk, stocked, hq, part):
    client = api(clerk)
    body = {"source": stocked.pk, "target": hq.pk, "part": part.pk, "quantity": 3}
    refused = client.post("/api/v1/stock-movements/transfer/", body, format="json")
    assert refused.status_code == 422 and "quantity" in refused.json()["fields"]
    body["quantity"] = 2
    moved = client.post("/api/v1/stock-movements/transfer/", body, format="json").json()
    assert [(m["kind"], m["warehouse"]) for m in moved] == [("transfer_out", stocked.pk), ("transfer_in", hq.pk)]
