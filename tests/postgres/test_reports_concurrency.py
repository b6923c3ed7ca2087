"""Three workers drafting the month's service reports at the same moment, on a real PostgreSQL
server: one report per customer and month, one over all customers."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection

from aftersales.cases.models import Case, Severity
from aftersales.reports import service_reports
from aftersales.reports.kpis import SHANGHAI, Period
from aftersales.reports.models import PeriodicReport
from tests.concurrency import run_together
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOVEMBER = Period.month(2026, 11)


@pytest.fixture(autouse=True)
def slow_request(monkeypatch):
    """Each worker holds its new report row a moment before committing: the other's insert
    waits on the unique index, then finds the row made."""
    record = service_reports.timeline.record

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return record(*args, **kwargs)

    monkeypatch.setattr(service_reports.timeline, "record", slow)


def test_two_workers_make_each_report_once():
    customer = CustomerFactory()
    Case.objects.create(
        number="CS202611-000001",
        customer=customer,
        title="t",
        description="d",
        severity=Severity.A,
        opened_at=dt.datetime(2026, 11, 3, 9, tzinfo=SHANGHAI),
    )
    at = dt.datetime(2026, 12, 1, 6, 30, tzinfo=SHANGHAI)
    results = run_together([lambda: service_reports.generate(NOVEMBER, at=at) for _ in range(3)])
    assert all(isinstance(result, list) for result in results), results
    assert sum(len(result) for result in results) == 2
    assert PeriodicReport.objects.count() == 2
    assert set(PeriodicReport.objects.values_list("customer", flat=True)) == {None, customer.pk}
