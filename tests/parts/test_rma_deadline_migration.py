"""RMAs received before the return deadline moved onto the deadlines mechanism get their
deadline from the data migration: running (with its warning) while the part is out, met when it
was shipped back; reversing removes them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aftersales.deadlines.models import Alarm, Deadline
from aftersales.parts.models import Part, Rma, Warehouse
from tests.factories import UserFactory, VendorFactory

BEFORE = [("parts", "0001_spare_parts_stock_rma_quotes")]
AFTER = [("parts", "0002_rma_return_deadlines_on_deadlines")]
BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.django_db(transaction=True)
@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=BEIJING))
def test_existing_rmas_get_their_return_deadline():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # The RMA table is the same before and after: the data migration only adds deadlines.
    vendor = VendorFactory()
    part = Part.objects.create(vendor=vendor, part_number="700-1", description="主控板", unit_price=0)
    branch = Warehouse.objects.create(code="hz", name="杭州")
    user = UserFactory(username="old-clerk")
    received = dt.datetime(2026, 11, 23, 10, tzinfo=BEIJING)
    due = dt.datetime(2026, 12, 8, tzinfo=BEIJING)
    common = {"vendor": vendor, "part": part, "warehouse": branch, "claimed_by": user, "good_received_at": received}
    out = Rma.objects.create(number="A", status=Rma.Status.RECEIVED, return_due_at=due, **common)
    back = Rma.objects.create(
        number="B", status=Rma.Status.RETURNED, return_due_at=due, returned_at=due + dt.timedelta(days=1), **common
    )
    waiting = Rma.objects.create(number="C", vendor=vendor, part=part, warehouse=branch, claimed_by=user)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    ContentType.objects.clear_cache()

    running = Deadline.objects.get(subject_id=out.pk, kind="parts.rma_return")
    assert (running.due_at, running.met_at, running.started_at) == (
        due,
        None,
        dt.datetime(2026, 11, 24, tzinfo=BEIJING),
    )
    assert Alarm.objects.get(deadline=running).fire_at == dt.datetime(2026, 12, 4, tzinfo=BEIJING)
    late = Deadline.objects.get(subject_id=back.pk, kind="parts.rma_return")
    assert late.met_at == back.returned_at and late.breached_at == due
    assert not Deadline.objects.filter(subject_id=waiting.pk, kind="parts.rma_return").exists()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert not Deadline.objects.filter(kind="parts.rma_return").exists()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
