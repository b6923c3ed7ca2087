"""Two people changing one case through the API at once, on a real PostgreSQL server.

What the client says it saw (`expected_owner`, `expected_severity`) is compared with the case
row while it is locked, so a change committed while a request waited for the lock is seen."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Case
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _client(user) -> APIClient:
    client = APIClient(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction the statistics views keep their first snapshot unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_managers_assigning_at_once_one_wins_the_other_gets_409(make_user, case_a):
    managers = [make_user(Role.DUTY_MANAGER, username=f"duty-{n}") for n in (1, 2)]
    engineers = [make_user(Role.ENGINEER, username=f"engineer-{n}") for n in (1, 2)]
    url = f"/api/v1/cases/{case_a.number}/assign/"

    def assign(manager, engineer):
        client = _client(manager)
        return lambda: client.post(url, {"owner": engineer.username, "expected_owner": ""}, format="json")

    responses = run_together([assign(m, e) for m, e in zip(managers, engineers, strict=True)])

    assert sorted(r.status_code for r in responses) == [200, 409], [r.content for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()["owner"]
    assert Case.objects.get(pk=case_a.pk).owner.username == winner
    loser = next(r for r in responses if r.status_code == 409).json()
    assert f"its owner is now “{winner}”" in loser["message"]


def test_a_change_committed_while_requests_wait_for_the_lock_is_seen(make_user, case_a, engineer):
    manager = make_user(Role.DUTY_MANAGER, username="duty")
    clients = [_client(manager), _client(engineer)]
    url = f"/api/v1/cases/{case_a.number}/"

    def assign():
        return clients[0].post(url + "assign/", {"team": None, "expected_owner": ""}, format="json")

    def raise_severity():
        return clients[1].post(
            url + "severity/", {"severity": "A", "reason": "全院受影响", "expected_severity": "C"}, format="json"
        )

    results = []
    with transaction.atomic():
        Case.objects.select_for_update().get(pk=case_a.pk)
        worker = threading.Thread(target=lambda: results.extend(run_together([assign, raise_severity])))
        worker.start()
        deadline = time.monotonic() + 30
        while _waiting_for_a_lock() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_a_lock() == 2, "both requests should be waiting for the case row"
        services.assign(case=case_a, by=manager, owner=engineer)
        services.change_severity(case=case_a, by=manager, severity="B", reason="客户投诉")
    worker.join(60)

    assert [r.status_code for r in results] == [409, 409], [r.content for r in results]
    case = Case.objects.get(pk=case_a.pk)
    assert (case.owner, case.severity) == (engineer, "B")
