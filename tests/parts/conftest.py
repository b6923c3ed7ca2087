"""Spare-parts fixtures: a parts clerk, warehouses, a part that fits the test equipment, and a
case being worked on."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.parts.models import Part, Warehouse
from tests.factories import ProductModelFactory, VendorFactory


@pytest.fixture
def clerk(make_user):
    return make_user(Role.PARTS_CLERK, username="clerk")


@pytest.fixture
def hq(db):
    return Warehouse.objects.create(code="bj-hq", name="北京总部", kind=Warehouse.Kind.HQ, vendor_direct_ship=True)


@pytest.fixture
def branch(db):
    return Warehouse.objects.create(code="hz", name="杭州", vendor_direct_ship=True)


@pytest.fixture
def part(db):
    part = Part.objects.create(vendor=VendorFactory(), part_number="700-1234", description="主控板", unit_price=0)
    part.product_models.add(ProductModelFactory())
    return part


@pytest.fixture
def working_case(case_a, engineer):
    """case_a accepted and in progress, owned by the engineer."""
    case = case_services.transition(case=case_a, action="accept", by=engineer)
    return case_services.transition(case=case, action="start", by=engineer)


@pytest.fixture
def stocked(branch, part, clerk):
    from aftersales.parts import services

    services.record_movement(warehouse=branch, part=part, kind="receive", quantity=2, by=clerk, reason="入库")
    return branch


@pytest.fixture(autouse=True)
def _a_working_monday():
    """Warranty and deadlines depend on the day: every parts test runs on Monday 2026-11-23."""
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        yield
