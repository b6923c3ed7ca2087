"""The dispatch API: a customer sees only their own vendor case numbers (without the vendor's
contact or the desk's updates), no shift and no handover; staff plan, swap, record and decide."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.dispatch.models import Handover, Team
from aftersales.dispatch.services import open_vendor_case


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def vendor_cases(open_case, customer_a, customer_b, engineer):
    own = open_case(customer_a, title="A 的案例")
    other = open_case(customer_b, title="B 的案例")
    open_vendor_case(case=own, by=engineer, kind="third_party", party="电信", number="DX-A-1", contact="值班 021-1")
    open_vendor_case(case=other, by=engineer, kind="third_party", party="电信", number="DX-B-2")
    return own, other


def test_a_customer_lists_only_their_own_vendor_numbers_without_internals(contact_a, vendor_cases):
    own, other = vendor_cases
    rows = _client(contact_a).get("/api/v1/vendor-cases/").json()["results"]
    assert [(r["case"], r["number"], r["contact"], r["updates"]) for r in rows] == [(own.number, "DX-A-1", "", [])]
    other_id = other.vendor_cases.get().pk
    assert _client(contact_a).get(f"/api/v1/vendor-cases/{other_id}/").status_code == 404
    missing = _client(contact_a).get("/api/v1/vendor-cases/999999/")
    assert (
        missing.status_code == 404
        and missing.json() == _client(contact_a).get(f"/api/v1/vendor-cases/{other_id}/").json()
    )


def test_staff_see_the_vendor_contact_and_find_the_case_by_the_vendor_number(engineer, vendor_cases):
    own, _other = vendor_cases
    rows = _client(engineer).get(f"/api/v1/vendor-cases/?case={own.number}").json()["results"]
    assert rows[0]["contact"] == "值班 021-1"
    found = _client(engineer).get("/api/v1/cases/?q=DX-A-1&status=all").json()["results"]
    assert [row["number"] for row in found] == [own.number]


def test_a_customer_sees_no_shift_and_no_handover(contact_a, case_a, engineer):
    team = Team.objects.create(name="应用软件部")
    _client(engineer).post(
        "/api/v1/handovers/", {"case": case_a.number, "to_team": team.name, "reason": "应用"}, format="json"
    )
    assert Handover.objects.count() == 1
    assert _client(contact_a).get("/api/v1/handovers/").json()["results"] == []
    assert _client(contact_a).get("/api/v1/shifts/").json()["results"] == []


def test_a_handover_refused_without_a_reason_is_a_field_error_and_with_one_returns_the_case(case_a, engineer, manager):
    team = Team.objects.create(name="应用软件部")
    made = _client(engineer).post(
        "/api/v1/handovers/", {"case": case_a.number, "to_team": team.name, "reason": "应用"}, format="json"
    )
    assert made.status_code == 201
    url = f"/api/v1/handovers/{made.json()['id']}/decision/"
    empty = _client(manager).post(url, {"decision": "refuse"}, format="json")
    assert empty.status_code == 422 and "note" in empty.json()["fields"]
    done = _client(manager).post(url, {"decision": "refuse", "note": "硬件问题"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "refused"
    assert _client(manager).post(url, {"decision": "accept"}, format="json").status_code == 409


def test_a_shift_is_planned_and_swapped_through_the_api(make_user, manager, engineer):
    from aftersales.accounts.roles import Role

    relief = make_user(Role.ENGINEER, username="relief")
    team = Team.objects.create(name="上海一线")
    body = {
        "team": team.pk,
        "kind": "night",
        "starts_at": "2030-10-14T17:30:00+08:00",
        "ends_at": "2030-10-14T08:30:00+08:00",
        "duty_engineer": engineer.username,
        "duty_manager": manager.username,
    }
    backwards = _client(manager).post("/api/v1/shifts/", body, format="json")
    assert backwards.status_code == 422 and "ends_at" in backwards.json()["fields"]
    made = _client(manager).post("/api/v1/shifts/", {**body, "ends_at": "2030-10-15T08:30:00+08:00"}, format="json")
    assert made.status_code == 201
    on_duty = _client(engineer).get("/api/v1/shifts/?on_duty_at=2030-10-15T00:30:00%2B08:00").json()["results"]
    assert [row["id"] for row in on_duty] == [made.json()["id"]]
    swap = _client(manager).post(
        f"/api/v1/shifts/{made.json()['id']}/swap/",
        {"duty": "engineer", "to_user": relief.username, "reason": "病假"},
        format="json",
    )
    assert swap.status_code == 201 and swap.json()["to_user"] == "relief"
    assert _client(engineer).post("/api/v1/shifts/", body, format="json").status_code == 422
