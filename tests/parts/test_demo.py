"""The demo's spare parts: warehouses (four direct-ship points), stock, and part requests and
RMAs at every step, loaded through the services; a second run changes nothing."""

from __future__ import annotations

import pytest

from aftersales import demo
from aftersales.parts.models import PartRequest, Quote, Rma, StockMovement, Warehouse
from aftersales.parts.queries import ledger_totals


@pytest.mark.django_db
def test_demo_loads_parts_at_every_step_and_a_second_run_changes_nothing():
    demo.load()
    assert Warehouse.objects.filter(vendor_direct_ship=True).count() == 4
    assert Warehouse.objects.filter(kind=Warehouse.Kind.HQ).get().name == "北京总部"
    statuses = set(PartRequest.objects.values_list("status", flat=True))
    assert {"awaiting_consent", "confirmed", "fitted"} <= statuses
    assert Rma.objects.filter(status=Rma.Status.RETURNED).exists()
    overdue = [rma for rma in Rma.objects.filter(status=Rma.Status.RECEIVED) if rma.is_overdue()]
    assert overdue
    assert Quote.objects.filter(status=Quote.Status.OFFERED).exists()  # for the portal to accept
    movements = StockMovement.objects.count()
    for balance in Warehouse.objects.get(code="bj-hq").balances.all():
        assert ledger_totals()[(balance.warehouse_id, balance.part_id)] == (balance.on_hand, balance.reserved)
    demo.load()
    assert StockMovement.objects.count() == movements
