"""The "changed meanwhile" check lives in the service, under the row lock: a page and an API
client changing one case at once, on a real PostgreSQL server — one wins, the other is told."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.cases.models import Case
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_page_and_an_api_client_assigning_at_once_one_wins_the_other_is_told(make_user, case_a):
    on_page, in_api = (make_user(Role.DUTY_MANAGER, username=f"duty-{n}", language="en") for n in (1, 2))
    engineers = [make_user(Role.ENGINEER, username=f"engineer-{n}") for n in (1, 2)]
    page, api = Client(), APIClient(headers={"Accept-Language": "en"})
    page.force_login(on_page)
    api.force_login(in_api)

    def from_page():
        body = {"owner": engineers[0].pk, "expected_owner": ""}
        return page.post(f"/cases/{case_a.number}/assign/", body)

    def from_api():
        body = {"owner": engineers[1].username, "expected_owner": ""}
        return api.post(f"/api/v1/cases/{case_a.number}/assign/", body, format="json")

    page_answer, api_answer = run_together([from_page, from_api])

    owner = Case.objects.select_related("owner").get(pk=case_a.pk).owner
    told = f"its owner is now “{owner.username}”"
    if owner == engineers[0]:  # the page won
        assert page_answer.status_code == 302
        assert api_answer.status_code == 409 and told in api_answer.json()["message"]
    else:
        assert owner == engineers[1] and api_answer.status_code == 200
        assert page_answer.status_code == 400 and told in page_answer.content.decode()
