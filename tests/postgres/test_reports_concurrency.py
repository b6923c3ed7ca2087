"""Two workers making the month's customer reports at the same moment, on a real PostgreSQL
server: one report per customer and month, one PDF queued."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection

from aftersales.cases.models import Case, Severity
from aftersales.documents.models import Document
from aftersales.reports import monthly
from aftersales.reports.kpis import SHANGHAI, Period
from aftersales.reports.models import CustomerMonthlyReport
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
    request = monthly.request_document

    def slow(**kwargs):
        time.sleep(0.3)
        return request(**kwargs)

    monkeypatch.setattr(monthly, "request_document", slow)


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
    results = run_together([lambda: monthly.generate(NOVEMBER, at=at) for _ in range(3)])
    assert all(isinstance(result, list) for result in results), results
    assert sorted(len(result) for result in results) == [0, 0, 1]
    assert CustomerMonthlyReport.objects.count() == 1
    assert Document.objects.filter(kind=monthly.KIND).count() == 1
