"""Stock on a real PostgreSQL server: clerks taking the last units at once."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.accounts.roles import Role
from aftersales.core.errors import DomainError
from aftersales.parts import services
from aftersales.parts.models import Part, StockBalance, StockMovement, Warehouse
from aftersales.parts.queries import ledger_totals
from tests.concurrency import run_together
from tests.factories import VendorFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_eight_clerks_issuing_the_last_two_units_at_once_exactly_two_succeed(make_user):
    clerks = [make_user(Role.PARTS_CLERK, username=f"clerk-{i}") for i in range(8)]
    warehouse = Warehouse.objects.create(code="gz", name="广州")
    part = Part.objects.create(vendor=VendorFactory(), part_number="700-9", description="电源模块")
    services.record_movement(warehouse=warehouse, part=part, kind="receive", quantity=2, by=clerks[0], reason="入库")

    def issue_as(clerk):
        return lambda: services.record_movement(
            warehouse=warehouse, part=part, kind="issue", quantity=1, by=clerk, reason="抢修"
        )

    results = run_together([issue_as(clerk) for clerk in clerks])

    issued = [r for r in results if isinstance(r, StockMovement)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(issued) == 2, results
    assert len(refused) == 6 and all(isinstance(r, DomainError) for r in refused), results
    assert "Only 0 of this part are available" in str(refused[0].message)
    balance = StockBalance.objects.get(warehouse=warehouse, part=part)
    assert (balance.on_hand, balance.reserved) == (0, 0)
    assert ledger_totals()[(warehouse.pk, part.pk)] == (0, 0)


def test_the_first_movements_of_a_new_part_at_once_share_one_balance(make_user):
    clerks = [make_user(Role.PARTS_CLERK, username=f"clerk-{i}") for i in range(4)]
    warehouse = Warehouse.objects.create(code="cd", name="成都")
    part = Part.objects.create(vendor=VendorFactory(), part_number="700-8", description="风扇")

    results = run_together(
        [
            (
                lambda c=clerk: services.record_movement(
                    warehouse=warehouse, part=part, kind="receive", quantity=1, by=c, reason="入库"
                )
            )
            for clerk in clerks
        ]
    )

    assert all(isinstance(r, StockMovement) for r in results), results
    assert StockBalance.objects.get(warehouse=warehouse, part=part).on_hand == 4


def test_two_clerks_serving_the_same_request_at_once_issue_one_part(make_user, open_case, customer_a, equipment_a):
    from aftersales.cases import services as case_services
    from aftersales.parts.models import PartRequest

    engineer = make_user(Role.ENGINEER, username="engineer")
    agent = make_user(Role.HOTLINE, username="agent-2")
    clerks = [make_user(Role.PARTS_CLERK, username=f"clerk-{i}") for i in range(2)]
    warehouse = Warehouse.objects.create(code="hz", name="杭州")
    part = Part.objects.create(vendor=equipment_a.vendor, part_number="700-7", description="主控板")
    services.record_movement(warehouse=warehouse, part=part, kind="receive", quantity=5, by=clerks[0], reason="入库")
    case = case_services.transition(case=open_case(customer_a, equipment=equipment_a), action="accept", by=engineer)
    request = services.file_part_request(case=case, part=part, faulty_serial="BAD", by=engineer)
    services.confirm_part_request(request=request, by=agent)

    results = run_together(
        [
            (lambda c=clerk: services.serve_from_stock(request=request, warehouse=warehouse, good_serial="G", by=c))
            for clerk in clerks
        ]
    )

    assert sum(isinstance(r, PartRequest) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    assert StockBalance.objects.get(warehouse=warehouse, part=part).on_hand == 4
