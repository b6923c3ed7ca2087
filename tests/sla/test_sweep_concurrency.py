"""Two workers sweeping at once on PostgreSQL fire each escalation once.

The cases are set up under time travel and committed (a transactional test); then two
threads, each with its own connection, are released together by a barrier and call
`sweep(now=...)`. Row locks with SKIP LOCKED must leave every breach and every firing to
exactly one of them. On SQLite, `test_sweeping_twice_fires_once` covers the sequential case.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from aftersales.cases.models import CaseEvent, EventKind, Severity
from aftersales.contracts.models import Coverage
from aftersales.dispatch.models import Tier
from aftersales.notifications.models import Notification
from aftersales.sla.models import Clock, Escalation
from aftersales.sla.services import sweep
from tests.concurrency import run_together
from tests.sla.conftest import local

OPENED = local(2026, 6, 8, 10, 0)
SWEEP_AT = local(2026, 6, 8, 13, 30)
# Per unattended A case by 13:30: the opening rule (fired at intake) and five more; six clocks late.
A_FIRINGS = 6
A_BREACHES = 6


def open_unattended_cases(travel, contract_for, fault, count: int) -> list:
    contract_for(Coverage.H7X24)
    travel(OPENED)
    return [fault(Severity.A, title=f"全院电话中断 {n}") for n in range(count)]


def sweep_together(workers: int, now) -> list:
    return run_together([lambda: sweep(now=now)] * workers)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_sweeping_at_once_fire_one_escalation(travel, staff, contract_for, fault):
    cases = open_unattended_cases(travel, contract_for, fault, count=5)

    results = sweep_together(2, SWEEP_AT)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert sum(r["escalations"] for r in results) == len(cases) * (A_FIRINGS - 1)
    assert sum(r["breaches"] for r in results) == len(cases) * A_BREACHES
    assert_each_fired_once(cases)


@pytest.mark.django_db
def test_sweeping_twice_fires_once(travel, staff, contract_for, fault):
    cases = open_unattended_cases(travel, contract_for, fault, count=3)

    first = sweep(now=SWEEP_AT)
    second = sweep(now=SWEEP_AT)

    assert first == {"breaches": 3 * A_BREACHES, "escalations": 3 * (A_FIRINGS - 1)}
    assert second == {"breaches": 0, "escalations": 0}
    assert_each_fired_once(cases)


def assert_each_fired_once(cases) -> None:
    ids = [case.pk for case in cases]
    escalations = list(Escalation.objects.filter(case__in=ids).select_related("rule"))
    fired = [e for e in escalations if e.fired_at is not None]
    assert len(fired) == len(cases) * A_FIRINGS
    # One firing per case and rule (per clock for clock rules) ...
    assert len({(e.case_id, e.rule_id, e.clock_id) for e in fired}) == len(fired)
    # ... one timeline entry per case and rule ...
    events = CaseEvent.objects.filter(case__in=ids, kind=EventKind.ESCALATED)
    per_rule = Counter((event.case_id, event.text.split(" — ")[0]) for event in events)
    assert per_rule == Counter({(e.case_id, e.rule.name): 1 for e in fired})
    # ... and one set of notifications: each recipient once per firing.
    notifications = Notification.objects.filter(case__in=ids, kind=Notification.Kind.ESCALATION)
    keys = Counter((n.recipient_id, n.dedupe_key) for n in notifications)
    assert keys and set(keys.values()) == {1}
    assert {key for _, key in keys} <= {f"escalation:{e.pk}" for e in fired}
    # Each late clock is marked and recorded once; the tier is raised one step.
    assert Clock.objects.filter(case__in=ids, breached_at__isnull=False).count() == len(cases) * A_BREACHES
    assert CaseEvent.objects.filter(case__in=ids, kind=EventKind.BREACHED).count() == len(cases) * A_BREACHES
    for case in cases:
        case.refresh_from_db()
        assert case.tier == Tier.L2
