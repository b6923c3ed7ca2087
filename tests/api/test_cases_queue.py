"""The queue's order over the API: `ordering=due` puts the nearest deadline first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.cases.models import Case, Severity


@pytest.fixture
def three_cases(open_case, customer_a):
    """Severity A due in 3 h, severity D due in 10 min, severity A with no running clock.

    The deadlines are set directly: the clocks' own arithmetic is tested in tests/sla; here
    only the order matters."""
    now = timezone.now()
    far = open_case(customer_a, severity=Severity.A, title="far")
    none = open_case(customer_a, severity=Severity.A, title="none")
    near = open_case(customer_a, severity=Severity.D, title="near")
    for case, due in [(far, now + dt.timedelta(hours=3)), (none, None), (near, now + dt.timedelta(minutes=10))]:
        Case.objects.filter(pk=case.pk).update(next_due_at=due)
    return far, none, near


def _numbers(client, query):
    numbers, url = [], "/api/v1/cases/" + query
    while url:
        page = client.get(url).json()
        numbers += [row["number"] for row in page["results"]]
        url = page["next"]
    return numbers


def test_nearest_deadline_first_and_cases_without_one_last(api, three_cases):
    far, none, near = three_cases
    client = api("engineer")
    assert _numbers(client, "?ordering=due") == [near.number, far.number, none.number]
    assert _numbers(client, "?ordering=due&page_size=1") == [near.number, far.number, none.number]
    assert _numbers(client, "") == [far.number, none.number, near.number]
    assert _numbers(client, "?ordering=severity&page_size=1") == [far.number, none.number, near.number]


@pytest.mark.parametrize(
    ("language", "message"), [("zh-hans", "“nearest” 不是合法选项。"), ("en", '"nearest" is not a valid choice.')]
)
def test_an_unknown_ordering_is_a_field_error(api, db, language, message):
    response = api("engineer", **{"Accept-Language": language}).get("/api/v1/cases/?ordering=nearest")
    assert response.status_code == 400
    assert response.json()["fields"] == {"ordering": [message]}
