"""Case events written before the timeline move onto it: same ids, field names where the old
translated labels name a field, the old words kept where they cannot be turned back into data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from aftersales.cases.models import Attachment, CaseEvent
from aftersales.timeline.models import Entry
from aftersales.timeline.rendering import render

BEFORE = [("cases", "0008_case_follow_up_of")]
AT = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))


def _old_world(apps):
    Customer = apps.get_model("customers", "Customer")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    customer = Customer.objects.create(code="h1", name="上海第一人民医院")
    engineer = User.objects.create(username="engineer")
    case = Case.objects.create(
        number="CS202606-000001", customer=customer, title="交换机无法呼出", description="全部外线中断"
    )
    return case, engineer


# (old kind, old changes, what the data becomes, text)
OLD_ROWS = [
    ("assigned", {"负责人": ["", "engineer"]}, {"changes_shown": {"owner": ["", "engineer"]}}),
    (
        "assigned",
        {"owner": ["", "engineer"], "team": ["", "一线维护组"]},
        {"changes_shown": {"owner": ["", "engineer"], "team": ["", "一线维护组"]}},
    ),
    (
        "severity",
        {"严重等级": ["C · 一般 (P3)", "B · 严重 (P2)"]},
        {"changes_shown": {"severity": ["C · 一般 (P3)", "B · 严重 (P2)"]}},
    ),
    ("clock", {"服务动作": ["", "已联系客户"]}, {"act": "contacted"}),
    ("clock", {"act": ["", "Arrived on site"]}, {"act": "on_site"}),
    (
        "breached",
        {"签收": ["截止 2026-06-01 10:10", "已超时"]},
        {"changes_shown": {"签收": ["截止 2026-06-01 10:10", "已超时"]}},
    ),
]


@pytest.mark.django_db(transaction=True)
def test_old_case_events_move_onto_the_timeline_keeping_ids_and_words():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    case, engineer = _old_world(old_apps)
    OldEvent = old_apps.get_model("cases", "CaseEvent")
    opened = OldEvent.objects.create(
        case=case, at=AT, actor=engineer, kind="created", is_public=True, to_status="new", text="全部外线中断"
    )
    old = [
        OldEvent.objects.create(case=case, at=AT, actor=engineer, kind=kind, changes=changes, text=f"第{n}条")
        for n, (kind, changes, _data) in enumerate(OLD_ROWS)
    ]
    old_apps.get_model("cases", "Attachment").objects.create(
        case=case, event=opened, file="a.png", name="a.png", content_type="image/png", size=1, sha256="0" * 64
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    first = CaseEvent.objects.get(pk=opened.pk)
    assert (first.kind, first.to_status, first.is_public, first.text, first.actor_id) == (
        "created",
        "new",
        True,
        "全部外线中断",
        engineer.pk,
    )
    assert first.subject_type == ContentType.objects.get(app_label="cases", model="case")
    assert Attachment.objects.get().event == first
    for row, (_kind, _changes, data) in zip(old, OLD_ROWS, strict=True):
        entry = Entry.objects.get(pk=row.pk)
        assert (entry.subject_id, entry.created_at, entry.public) == (case.pk, AT, False)
        assert entry.data == {"text": row.text, **data}
    # The old words now read under the reader's label for the field; a new entry gets a fresh id.
    with translation.override("en"):
        assert [(c.label, c.after) for c in render(Entry.objects.get(pk=old[0].pk)).changes] == [("owner", "engineer")]
        assert [(c.label, c.after) for c in render(Entry.objects.get(pk=old[3].pk)).changes] == [
            ("act", "Customer contacted")
        ]
    with translation.override("zh-hans"):
        assert [c.label for c in render(Entry.objects.get(pk=old[0].pk)).changes] == ["负责人"]
    newer = CaseEvent(case_id=case.pk, kind="note", data={"text": "新"})
    newer.save()
    assert newer.pk > max(row.pk for row in old)
