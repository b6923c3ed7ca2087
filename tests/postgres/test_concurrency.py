"""Concurrency on a real PostgreSQL server: row locks and the case-number counter.

Each test runs its work in real threads, each with its own database connection, against
committed data (transactional tests), so the database itself must serialise the writers.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Case, Channel, EventKind, Kind, Severity, Status
from aftersales.core.errors import Conflict
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    # serialized_rollback brings back what the migrations seeded (the role groups) after
    # each transactional test has emptied the tables.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_engineers_accepting_the_same_new_case_at_once_one_wins(make_user, case_a):
    first = make_user(Role.ENGINEER, username="engineer-1")
    second = make_user(Role.ENGINEER, username="engineer-2")

    def accept_as(engineer):
        def work():
            # Each engineer's page was loaded while the case was still new.
            seen = Case.objects.get(pk=case_a.pk)
            return services.transition(case=seen, action="accept", by=engineer, expected_status=Status.NEW)

        return work

    results = run_together([accept_as(first), accept_as(second)])

    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert isinstance(losers[0], Conflict), repr(losers[0])
    message = str(losers[0].message)
    assert "Someone else changed this case meanwhile" in message
    assert "Accepted (signed)" in message  # names the state the case is in now

    case = Case.objects.get(pk=case_a.pk)
    assert case.status == Status.ACCEPTED
    assert case.owner in (first, second)
    assert case.owner == winners[0].owner
    status_events = list(case.events.filter(kind=EventKind.STATUS))
    assert len(status_events) == 1
    assert (status_events[0].from_status, status_events[0].to_status) == (Status.NEW, Status.ACCEPTED)
    assert status_events[0].actor == case.owner


def test_fifty_cases_opened_at_once_get_consecutive_distinct_numbers(agent, customer_a):
    opened_at = timezone.now()  # one month for all, even if the test runs at midnight
    period = timezone.localtime(opened_at).strftime("%Y%m")

    def open_five(thread_no: int):
        def work():
            return [
                services.open_case(
                    customer=customer_a,
                    by=agent,
                    title=f"并发开单 {thread_no}-{i}",
                    description="同时来电。",
                    kind=Kind.FAULT,
                    severity=Severity.C,
                    channel=Channel.PHONE,
                    opened_at=opened_at,
                ).number
                for i in range(5)
            ]

        return work

    results = run_together([open_five(n) for n in range(10)])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    numbers = [number for batch in results for number in batch]
    assert len(numbers) == 50
    assert len(set(numbers)) == 50
    assert sorted(numbers) == [f"CS{period}-{n:06d}" for n in range(1, 51)]
    assert Case.objects.filter(customer=customer_a).count() == 50


def test_openings_at_once_some_rolled_back_leave_no_gap_and_no_provisional_number(agent, customer_a):
    """The number is taken the last moment before COMMIT: openings that roll back after their
    case was written (here: the caller's transaction fails) take no number, so the committed
    ones are still consecutive, whatever the interleaving."""
    from django.db import transaction

    opened_at = timezone.now()
    period = timezone.localtime(opened_at).strftime("%Y%m")

    class Abandoned(Exception):
        pass

    def open_four(thread_no: int):
        def work():
            kept = []
            for i in range(4):
                try:
                    with transaction.atomic():
                        case = services.open_case(
                            customer=customer_a,
                            by=agent,
                            title=f"并发开单 {thread_no}-{i}",
                            description="同时来电。",
                            kind=Kind.FAULT,
                            severity=Severity.B,
                            channel=Channel.PHONE,
                            opened_at=opened_at,
                        )
                        if (thread_no + i) % 2:
                            raise Abandoned
                        kept.append(case.number)
                except Abandoned:
                    pass
            return kept

        return work

    results = run_together([open_four(n) for n in range(8)])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    numbers = sorted(number for batch in results for number in batch)
    assert numbers == [f"CS{period}-{n:06d}" for n in range(1, 17)]
    assert sorted(Case.objects.values_list("number", flat=True)) == numbers
    assert not Case.objects.filter(number__startswith="~").exists()
    for number, text in Case.objects.values_list("number", "search_text"):
        assert number.lower() in text
