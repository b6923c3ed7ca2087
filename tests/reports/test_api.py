"""GET /api/v1/reports/kpis/: the month's KPIs as numbers, for report readers only."""

from __future__ import annotations

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.reports.conftest import AS_OF


@pytest.fixture
def client_as():
    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


def test_the_months_kpis_for_a_customer(client_as, manager, month):
    with time_machine.travel(AS_OF, tick=False):
        body = (
            client_as(manager).get("/api/v1/reports/kpis/", {"month": "2026-11", "customer": month.customer.pk}).json()
        )
    assert body["month"] == "2026-11"
    assert body["faults"] == 7 and body["faults_without_restore_limit"] == 1
    assert body["repair"] == {"rate": 0.6, "timely": 3, "late": 2, "pending": 1}
    assert body["customer_repair"]["rate"] == 0.75
    assert (body["major_faults"], body["major_fault_minutes"]) == (4, 600)
    assert body["satisfaction"] is None


@pytest.mark.parametrize(
    "params", [{"month": "2026-13"}, {"month": "x"}, {"customer": "999999"}, {"severity": "Z"}, {"team": "a"}]
)
def test_bad_parameters_are_field_errors(client_as, manager, params):
    response = client_as(manager).get("/api/v1/reports/kpis/", params)
    assert response.status_code in (400, 422)
    assert set(response.json()["fields"]) == set(params)


def test_only_report_readers(client_as, engineer, contact_a, db):
    assert client_as(engineer).get("/api/v1/reports/kpis/").status_code == 404
    assert client_as(contact_a).get("/api/v1/reports/kpis/").status_code == 404
    assert APIClient().get("/api/v1/reports/kpis/").status_code == 401
