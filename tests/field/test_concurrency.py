"""Two submissions of one report form at the same moment, on a real PostgreSQL server: one
report, one set of open-point cases, one mail — the other submission gets the same report."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import connection

from aftersales.cases.models import Case
from aftersales.field import services
from aftersales.field.models import OpenPoint, ServiceReport
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def slow_validation(monkeypatch):
    """Each submission pauses after its first look for the key and before it locks the visit:
    without the lock and the unique key, both would find nothing and both would write."""
    validate = services._validate_report

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return validate(*args, **kwargs)

    monkeypatch.setattr(services, "_validate_report", slow)


def test_two_submissions_released_together_make_one_report(visit, engineer, walk, report_fields):
    visit = walk(visit, engineer, "depart", "arrive", "confirm_symptom", "complete")
    fields = report_fields(idempotency_key=uuid.uuid4(), open_points=["机房空调漏水"])
    cases_before = Case.objects.count()

    results = run_together([lambda: services.submit_report(visit=visit, by=engineer, **fields)] * 2)

    assert all(isinstance(result, ServiceReport) for result in results), results
    assert results[0].pk == results[1].pk
    assert ServiceReport.objects.count() == 1
    assert OpenPoint.objects.count() == 1
    assert Case.objects.count() == cases_before + 1


def test_two_different_forms_of_one_kind_at_once_make_one_report(visit, engineer, walk, report_fields):
    visit = walk(visit, engineer, "depart", "arrive", "confirm_symptom", "complete")
    first, second = report_fields(), report_fields()

    results = run_together(
        [
            lambda: services.submit_report(visit=visit, by=engineer, **first),
            lambda: services.submit_report(visit=visit, by=engineer, **second),
        ]
    )

    reports = [result for result in results if isinstance(result, ServiceReport)]
    refusals = [result for result in results if not isinstance(result, ServiceReport)]
    assert len(reports) == 1 and len(refusals) == 1
    assert "kind" in refusals[0].fields
    assert ServiceReport.objects.count() == 1
