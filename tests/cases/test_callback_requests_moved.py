"""Call-back requests written while the portal owned them are the case app's after the move:
the same rows in the same table, read through `cases.CallbackRequest`, with the content type
(permissions, admin history) following the model — and the move can be undone."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aftersales.cases.models import CallbackRequest
from aftersales.cases.queries import pending_callbacks

BEFORE = [("portal", "0001_initial"), ("cases", "0009_case_events_on_the_timeline")]
MOVED = [("portal", "0002_callback_requests_to_cases")]


def _old_rows(apps) -> list[int]:
    Customer = apps.get_model("customers", "Customer")
    Contact = apps.get_model("customers", "Contact")
    User = apps.get_model("accounts", "User")
    OldRequest = apps.get_model("portal", "CallbackRequest")
    customer = Customer.objects.create(code="h1", name="上海第一人民医院")
    contact = Contact.objects.create(customer=customer, name="张明", mobile="13800138000")
    user = User.objects.create(username="zhang@hospital-a.cn")
    rows = [
        OldRequest.objects.create(
            customer=customer,
            contact=contact,
            severity=severity,
            phone="13800138000",
            description=text,
            requested_by=user,
            handled_by=user if handled else None,
            handled_at=handled,
        )
        for severity, text, handled in [("B", "呼叫中心坐席全部掉线", None), ("A", "门诊楼语音全部中断", None)]
    ]
    ContentType.objects.get_or_create(app_label="portal", model="callbackrequest")
    return [row.pk for row in rows]


@pytest.mark.django_db(transaction=True)
def test_call_back_requests_written_in_the_portal_are_read_by_the_desk_after_the_move():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    ids = _old_rows(executor.loader.project_state(BEFORE).apps)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assert CallbackRequest._meta.db_table == "portal_callbackrequest"
    assert [c.pk for c in pending_callbacks()] == [ids[1], ids[0]], "A before B, the rows kept"
    assert [c.description for c in pending_callbacks()] == ["门诊楼语音全部中断", "呼叫中心坐席全部掉线"]
    assert ContentType.objects.get_for_model(CallbackRequest).app_label == "cases"
    assert not ContentType.objects.filter(app_label="portal", model="callbackrequest").exists()


@pytest.mark.django_db(transaction=True)
def test_the_move_of_the_call_back_requests_can_be_undone():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    ids = _old_rows(executor.loader.project_state(BEFORE).apps)
    executor = MigrationExecutor(connection)
    executor.migrate(MOVED)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    assert sorted(old_apps.get_model("portal", "CallbackRequest").objects.values_list("pk", flat=True)) == ids
    assert ContentType.objects.filter(app_label="portal", model="callbackrequest").exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
