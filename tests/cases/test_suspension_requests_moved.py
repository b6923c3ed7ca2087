"""Suspension requests written while the service levels owned them are the case app's after
the move: the same rows in the same table, read through `cases.SuspensionRequest`, the content
type (approvals, timeline entries, permissions point at it) following the model; the case
suspended when the migrations ran gets its expected-end alarm."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from aftersales.cases.models import SuspensionRequest
from aftersales.deadlines.models import Alarm
from aftersales.sla.models import SUSPENSION_END_ALARM

BEFORE = [("sla", "0006_clocks_and_escalations_on_deadlines"), ("cases", "0010_callback_requests_from_the_portal")]
END = timezone.now() + dt.timedelta(days=2)


def _old_rows(apps) -> tuple[int, int, int]:
    Customer = apps.get_model("customers", "Customer")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    OldRequest = apps.get_model("sla", "SuspensionRequest")
    customer = Customer.objects.create(code="h1", name="上海第一人民医院")
    user = User.objects.create(username="eng")
    now = timezone.now()
    suspended = Case.objects.create(
        number="20260601-0001", customer=customer, title="停电", description="机房停电", status="suspended"
    )
    running = Case.objects.create(
        number="20260601-0002", customer=customer, title="停电", description="机房停电", status="in_progress"
    )

    def ask(case, status):
        return OldRequest.objects.create(
            case=case,
            requested_by=user,
            requested_at=now,
            reason="客户机房停电检修",
            consent_by="王主任",
            consent_channel="phone",
            consent_at=now,
            expected_end_at=END,
            status=status,
            decided_at=now,
        )

    current = ask(suspended, "approved")
    resumed = ask(running, "approved")  # approved once, resumed since
    type_id = ContentType.objects.get_or_create(app_label="sla", model="suspensionrequest")[0].pk
    return current.pk, resumed.pk, type_id


@pytest.mark.django_db(transaction=True)
def test_suspension_requests_move_to_cases_with_their_content_type_and_alarms():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    current, resumed, type_id = _old_rows(executor.loader.project_state(BEFORE).apps)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assert SuspensionRequest._meta.db_table == "sla_suspensionrequest"
    assert sorted(SuspensionRequest.objects.values_list("pk", flat=True)) == sorted([current, resumed])
    content_type = ContentType.objects.get_for_model(SuspensionRequest)
    assert (content_type.pk, content_type.app_label) == (type_id, "cases"), "the same row, relabelled"
    alarms = list(Alarm.objects.filter(kind=SUSPENSION_END_ALARM).values_list("key", "ref", "fire_at"))
    assert alarms == [(f"suspension-end:{current}", current, END)], "only the case suspended now"
