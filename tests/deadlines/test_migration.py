"""Clocks and escalations written before the deadlines mechanism move onto it with their ids
(notifications keep their `escalation:<id>` dedupe keys), read the same through `sla.Clock` and
`sla.Escalation`, and go back when the migration is reversed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.deadlines.models import Alarm, Deadline
from aftersales.sla.models import Clock, Escalation

BEFORE = [("sla", "0005_suspension_expected_end")]
AT = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))


def _old_rows(apps):
    customer = apps.get_model("customers", "Customer").objects.create(code="h1", name="上海第一人民医院")
    case = apps.get_model("cases", "Case").objects.create(number="CS202606-000001", customer=customer, title="t")
    calendar = apps.get_model("calendars", "BusinessCalendar").objects.get(code="7x24")
    OldClock = apps.get_model("sla", "Clock")
    OldEscalation = apps.get_model("sla", "Escalation")
    rule = apps.get_model("sla", "EscalationRule").objects.filter(trigger="breached").first()
    clock = OldClock.objects.create(
        id=41,
        case=case,
        kind="sign_off",
        target_minutes=10,
        calendar=calendar,
        started_at=AT,
        due_at=AT + dt.timedelta(minutes=10),
        breached_at=AT + dt.timedelta(minutes=10),
        paused_minutes=2.5,
    )
    fired = OldEscalation.objects.create(id=77, case=case, rule=rule, clock=clock, fire_at=AT, fired_at=AT)
    return case, rule, clock, fired


@pytest.mark.django_db(transaction=True)
def test_old_clocks_and_escalations_move_onto_deadlines_keeping_ids():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    case, rule, old_clock, old_escalation = _old_rows(executor.loader.project_state(BEFORE).apps)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    clock = Clock.objects.get(pk=41)
    assert (clock.case_id, clock.kind, clock.due_at, clock.breached_at, clock.paused_minutes) == (
        case.pk,
        "sign_off",
        old_clock.due_at,
        old_clock.breached_at,
        2.5,
    )
    assert list(Case.objects.get(pk=case.pk).clocks) == [clock]
    escalation = Escalation.objects.get(pk=77)
    assert (escalation.case_id, escalation.rule_id, escalation.clock_id, escalation.fired_at) == (
        case.pk,
        rule.pk,
        41,
        AT,
    )
    assert escalation.key == f"escalation:{case.pk}:{rule.pk}:41"
    # The sequences moved past the ids brought over.
    assert Alarm.objects.create(subject=clock.case, kind="x", key="x", fire_at=AT).pk > 77
    assert (
        Deadline.objects.create(
            subject=clock.case, kind="x", target_minutes=1, calendar=clock.calendar, started_at=AT, due_at=AT
        ).pk
        > 41
    )
    Alarm.objects.filter(key="x").delete()
    Deadline.objects.filter(kind="x").delete()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    assert old_apps.get_model("sla", "Clock").objects.get(pk=41).case_id == case.pk
    assert old_apps.get_model("sla", "Escalation").objects.get(pk=77).clock_id == 41
    assert not Deadline.objects.exists() and not Alarm.objects.exists()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
