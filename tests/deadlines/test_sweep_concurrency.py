"""Two sweeps released together on PostgreSQL: each breach and each alarm handled exactly once.

The deadlines and alarms are committed (a transactional test); two threads, each with its own
connection, are released by a barrier and sweep at the same moment. Row locks with SKIP LOCKED
must leave every row to exactly one of them, and each handler must be handed each row once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from aftersales.deadlines import services as deadlines
from aftersales.deadlines.models import Alarm, Deadline
from aftersales.deadlines.services import Scheduled, Target
from tests.concurrency import run_together
from tests.deadlines.conftest import ALARM, KIND, local

START = local(2026, 11, 23, 9, 0)
SUBJECTS, PER_SUBJECT = 30, 5


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_handle_each_breach_and_alarm_once(handled, calendars, monkeypatch):
    from tests.factories import CustomerFactory

    monkeypatch.setattr(deadlines, "SWEEP_BATCH", 40)  # several batches: the workers interleave
    for n in range(SUBJECTS):
        subject = CustomerFactory()
        started = deadlines.start(
            subject,
            [Target(KIND, 10 + i, calendars["7x24"]) for i in range(PER_SUBJECT)],
            at=START,
            model=Deadline,
        )
        deadlines.schedule(
            subject,
            [Scheduled(ALARM, f"race:{n}:{i}", d.due_at - dt.timedelta(minutes=5), d) for i, d in enumerate(started)],
        )
    total = SUBJECTS * PER_SUBJECT
    now = START + dt.timedelta(hours=1)

    def sweep_until_done():
        done = Counter()
        while True:
            result = deadlines.sweep(now=now)
            if not any(result.values()):
                return done
            done.update(result)

    results = run_together([sweep_until_done, sweep_until_done])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert sum(r["breaches"] for r in results) == total
    assert sum(r["alarms"] for r in results) == total
    assert Counter(b.pk for b in handled.breaches) == Counter(
        {pk: 1 for pk in Deadline.objects.values_list("pk", flat=True)}
    )
    assert Counter(f.pk for f in handled.firings) == Counter(
        {pk: 1 for pk in Alarm.objects.values_list("pk", flat=True)}
    )
    assert not Deadline.objects.filter(breached_at=None).exists()
    assert not Alarm.objects.filter(fired_at=None).exists()
