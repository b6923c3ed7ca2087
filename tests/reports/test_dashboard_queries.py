"""The dashboard costs a small, constant number of queries, whatever the number of months,
cases, clocks or engineers behind it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.factories import EquipmentFactory
from tests.reports.conftest import AS_OF


@pytest.fixture
def at_as_of():
    with time_machine.travel(AS_OF, tick=False):
        yield


# Session and user, the filter form's choices, thirteen months of figures (3), the three
# compared months' major faults (2 each), five breakdowns, availability, engineers.
MAX_QUERIES = 32


def test_the_dashboard_runs_a_constant_number_of_queries(
    client, manager, month, at_as_of, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get("/reports/", {"month": "2026-11"})  # warm: content types, calendars
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/reports/", {"month": "2026-11"}).status_code == 200
    # the same cases again in December, each on a system of its own: still under the bound
    for case in list(month.cases.values()):
        equipment = EquipmentFactory(customer=case.customer, site__customer=case.customer)
        case.pk, case.number, case.equipment, case.site = None, f"{case.number}-2", equipment, equipment.site
        case.opened_at += dt.timedelta(days=30)
        case.save()
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/reports/", {"month": "2026-12"}).status_code == 200
