"""The same monitoring alarm posted by several processes at the same instant opens one case.

Real threads, each with its own connection, through the whole API (token, view, service) on
PostgreSQL: the unique constraint on (source, alarm id, raised time) settles the race.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.cases.models import Case, CaseEvent, EventKind
from aftersales.monitoring.models import Alarm, AlarmSource
from tests.concurrency import run_together
from tests.factories import EquipmentFactory, SiteFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 8
RAISED = dt.datetime(2026, 11, 22, 9, 15, tzinfo=dt.UTC)


@pytest.fixture
def nms_key(make_user, customer_a):
    user = make_user(Role.HOTLINE, username="nms")
    AlarmSource.objects.create(code="zabbix", name="Zabbix", api_user=user)
    EquipmentFactory(site=SiteFactory(customer=customer_a), serial_number="FOC1234X0AB", hostname="pbx-main")
    return create_token(user=user, name="zabbix", scope=ApiToken.Scope.READ_WRITE).key


def _poster(key: str, body: dict):
    def work():
        response = APIClient(headers={"Authorization": f"Token {key}"}).post("/api/v1/alarms/", body, format="json")
        return response.status_code, response.json()

    return work


def test_the_same_raise_posted_at_once_by_many_opens_exactly_one_case(nms_key):
    body = {
        "serial_number": "FOC1234X0AB",
        "alarm_id": "zbx-884211",
        "severity": "critical",
        "text": "Trunk group 3 down",
        "raised_at": RAISED.isoformat(),
    }

    results = run_together([_poster(nms_key, body) for _ in range(THREADS)])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    statuses = sorted(status for status, _answer in results)
    assert statuses == [200] * (THREADS - 1) + [201], results
    assert {answer["case"] for _status, answer in results} == {Case.objects.get().number}
    assert {answer["alarm"] for _status, answer in results} == {Alarm.objects.get().pk}
    assert sorted(answer["action"] for _status, answer in results) == ["duplicate"] * (THREADS - 1) + ["opened"]
    assert CaseEvent.objects.filter(kind=EventKind.CREATED).count() == 1


def test_different_raises_of_one_alarm_posted_at_once_share_one_case(nms_key):
    bodies = [
        {
            "serial_number": "FOC1234X0AB",
            "alarm_id": "zbx-884211",
            "severity": "major",
            "text": "Trunk group 3 flapping",
            "raised_at": (RAISED + dt.timedelta(seconds=n)).isoformat(),
        }
        for n in range(THREADS)
    ]

    results = run_together([_poster(nms_key, body) for body in bodies])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert [status for status, _answer in results] == [201] * THREADS, results
    assert Case.objects.count() == 1
    assert sorted(answer["action"] for _status, answer in results) == ["added"] * (THREADS - 1) + ["opened"]
    assert Alarm.objects.filter(case=Case.objects.get()).count() == THREADS
