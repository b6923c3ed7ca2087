"""Two workers delivering the outbox at once on PostgreSQL: every message sent exactly once.

Committed data (a transactional test); two threads, each with its own connection, released
together by a barrier, each draining the outbox in small batches. SKIP LOCKED and the claim
token must leave every row to one of them. On SQLite the database's write lock serialises
the claims; `test_delivery.py` covers the sequential case.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from tests.concurrency import run_together
from tests.factories import ContactFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def drain_together(workers: int) -> list:
    """Each worker delivers what is due, a few at a time, until nothing is left; its totals."""

    def drain() -> Counter:
        totals: Counter = Counter()
        while True:
            counts = deliver_due(limit=3)
            totals.update(counts)
            if not any(counts.values()):
                return totals

    return run_together([drain] * workers, timeout=120)


def test_two_workers_never_send_a_message_twice(smtp, open_case, customer_a, equipment_a, manager, make_user):
    engineers = [make_user(Role.ENGINEER, username=f"eng{n}", email=f"eng{n}@aftersales.example") for n in range(5)]
    for n in range(15):
        contact = ContactFactory(customer=customer_a, email=f"c{n}@hospital.example")
        case = open_case(customer_a, equipment=equipment_a, contact=contact)
        services.assign(case=case, by=manager, owner=engineers[n % 5])

    results = drain_together(2)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert sum(r["sent"] for r in results) == 30
    assert sum(r["passed_on"] for r in results) == 15
    assert all(r["sent"] > 0 for r in results), "both workers should have taken a share"
    ids = Counter(message["Message-ID"] for message in smtp.mailbox.messages)
    assert len(ids) == 30 and set(ids.values()) == {1}
    messages = Notification.objects.exclude(channel="")
    assert messages.count() == 30
    assert set(messages.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert set(messages.values_list("attempts", flat=True)) == {1}
