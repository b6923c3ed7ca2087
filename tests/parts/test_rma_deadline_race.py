"""Shipping a late defective part back while the sweep claims its breach, released together on
PostgreSQL: the breach is recorded, written on the RMA's timeline and escalated exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from aftersales.deadlines.services import sweep
from aftersales.notifications.models import Notification
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import services
from aftersales.timeline.models import Entry
from tests.concurrency import run_together

BEIJING = dt.timezone(dt.timedelta(hours=8))

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("attempt", range(3))
def test_shipping_late_and_the_sweep_at_once_escalate_once(clerk, branch, part, make_user, attempt):
    from aftersales.accounts.roles import Role

    make_user(Role.CENTRE_MANAGER, username="centre")
    rma = services.claim_rma(number=f"race-{attempt}", warehouse=branch, part=part, by=clerk)
    received = dt.datetime(2026, 11, 2, 9, tzinfo=BEIJING)  # due 17 November: overdue "now" (23 Nov)
    rma = services.receive_rma_part(rma=rma, good_serial="g", received_at=received, by=clerk)

    def ship():
        services.ship_defective_part(rma=rma, carrier="顺丰", waybill="SF1", by=clerk)

    def sweep_now():
        return sweep(now=dt.datetime(2026, 11, 23, 10, tzinfo=BEIJING))

    results = run_together([ship, sweep_now])
    assert not [r for r in results if isinstance(r, BaseException)], results
    deadline = rma_deadlines.return_deadline(rma)
    assert deadline.met_at is not None and deadline.breached_at == deadline.due_at
    assert Entry.objects.filter(kind="parts.rma.overdue", subject_id=rma.pk).count() == 1
    assert Notification.objects.filter(kind="rma_return_overdue").count() == 2  # the clerk, the manager
