"""Every query parameter of every list, as the OpenAPI schema names them (so a new filter is
walked without being listed here):

- hostile values (integers past any database's range, year 1 and year 9999) answer 200 or a
  field error in the one error shape (400), never a server error — on SQLite and PostgreSQL;
- a customer's contact who filters by another customer's id gets exactly the answer of an id
  that does not exist (no existence oracle): the filter's choices are the caller's own.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import pytest
from django.test import Client

HOSTILE = [
    "99999999999999999999",
    "-99999999999999999999",
    str(2**63),
    str(2**31),
    "0",
    "-1",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "1e400",
]
IGNORED = {"cursor"}  # an opaque token, tested in tests/test_pagination.py


@cache
def _schema() -> dict:
    return json.loads(Client().get("/api/schema/?format=json").content)


def _list_parameters() -> list[tuple[str, str]]:
    found = []
    for path, operations in _schema()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] not in IGNORED:
                found.append((path, parameter["name"]))
    return sorted(found)


PARAMETERS = _list_parameters()


def test_the_walk_finds_the_filters_by_id():
    assert {
        ("/api/v1/cases/", "customer"),
        ("/api/v1/contacts/", "customer"),
        ("/api/v1/sites/", "customer"),
        ("/api/v1/equipment/", "site"),
        ("/api/v1/consultations/", "equipment"),
    } <= set(PARAMETERS)


@pytest.mark.parametrize("persona", ["agent", "contact_a", "manager"])
@pytest.mark.parametrize(("path", "name"), PARAMETERS, ids=[f"{p}?{n}" for p, n in PARAMETERS])
def test_hostile_values_are_a_field_error_never_a_server_error(api, case_a, persona, path, name):
    client = api(persona)
    client.raise_request_exception = False
    if client.get(path).status_code == 404:
        # A list this persona may not read (the reports: reports.view) answers 404 whatever is
        # asked, so the values teach nothing; a persona who may read it is probed too.
        assert {client.get(path, {name: value}).status_code for value in HOSTILE} == {404}
        return
    for value in HOSTILE:
        response = client.get(path, {name: value})
        assert response.status_code in (200, 400), (value, response.status_code)
        if response.status_code == 400:
            body = response.json()
            assert set(body) == {"code", "message", "fields"}
            assert body["code"] == "invalid"
            assert any(key.split(".")[0] == name for key in body["fields"]), (value, body)


MISSING_ID = 987654321

# (list, filter, which of customer B's records the filter names)
BY_ID = [
    ("contacts", "customer", "customer"),
    ("sites", "customer", "customer"),
    ("equipment", "customer", "customer"),
    ("equipment", "site", "site"),
    ("contracts", "customer", "customer"),
    ("consultations", "customer", "customer"),
    ("consultations", "contact", "contact"),
    ("consultations", "equipment", "equipment"),
    ("cases", "customer", "customer"),
]


@pytest.fixture
def records_b(customer_b, contact_b, equipment_b):
    return {
        "customer": customer_b.pk,
        "contact": contact_b.contact.pk,
        "site": equipment_b.site_id,
        "equipment": equipment_b.pk,
    }


# Lists only staff may read (customers: 404 whatever they ask, tests/reports/test_api.py).
STAFF_ONLY = {("/api/v1/reports/kpis/", "customer")}


def test_every_filter_by_id_is_probed():
    by_id = {(f"/api/v1/{route}/", name) for route, name, _record in BY_ID}
    walked = {(path, name) for path, name in PARAMETERS if name in {"customer", "contact", "site", "equipment"}}
    assert walked - STAFF_ONLY == by_id


@pytest.mark.parametrize(("route", "name", "record"), BY_ID, ids=[f"{r}?{n}" for r, n, _ in BY_ID])
def test_another_customers_id_answers_like_a_missing_id(api, records_b, case_a, route, name, record):
    client = api("contact_a")

    real = client.get(f"/api/v1/{route}/", {name: records_b[record]})
    missing = client.get(f"/api/v1/{route}/", {name: MISSING_ID})

    assert (real.status_code, real.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize(("route", "name", "record"), BY_ID, ids=[f"{r}?{n}" for r, n, _ in BY_ID])
def test_staff_filter_by_the_same_id(api, records_b, route, name, record):
    response = api("agent").get(f"/api/v1/{route}/", {name: records_b[record]})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("route", "name"), [("contacts", "customer"), ("sites", "customer"), ("equipment", "customer")]
)
def test_a_customer_filters_by_their_own_id(api, customer_a, equipment_a, contact_a, route, name):
    response = api("contact_a").get(f"/api/v1/{route}/", {name: customer_a.pk})

    assert response.status_code == 200
    assert response.json()["results"]


# --- the same class in request bodies -------------------------------------------------------------

EXTREME_MOMENTS = [
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T07:00:00+08:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-12:00",
]


@pytest.mark.parametrize("moment", EXTREME_MOMENTS)
def test_an_extreme_moment_in_a_body_is_a_field_error_or_a_domain_error(api, case_a, engineer, moment):
    from aftersales.cases import services

    services.transition(case=case_a, action="accept", by=engineer, text="")
    client = api("engineer")
    client.raise_request_exception = False
    expected_end = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    body = {
        "reason": "停机窗口",
        "consent_by": "张工",
        "consent_channel": "phone",
        "consent_at": moment,
        "expected_end_at": expected_end,
    }

    response = client.post(f"/api/v1/cases/{case_a.number}/suspension-requests/", body, format="json")

    assert response.status_code in (400, 422), response.status_code
    assert "consent_at" in response.json()["fields"]


@pytest.mark.parametrize("moment", EXTREME_MOMENTS)
def test_an_extreme_expected_end_of_a_suspension_is_a_field_error(api, case_a, engineer, moment):
    from aftersales.cases import services

    services.transition(case=case_a, action="accept", by=engineer, text="")
    client = api("engineer")
    client.raise_request_exception = False
    body = {
        "reason": "停机窗口",
        "consent_by": "张工",
        "consent_channel": "phone",
        "consent_at": dt.datetime.now(dt.UTC).isoformat(),
        "expected_end_at": moment,
    }

    response = client.post(f"/api/v1/cases/{case_a.number}/suspension-requests/", body, format="json")

    assert response.status_code in (400, 422), response.status_code
    assert "expected_end_at" in response.json()["fields"]
