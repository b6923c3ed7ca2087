"""An engineer's queue starts with their region and team: usable without wading through every
region's cases, yet not a visibility rule (any case can still be listed and opened)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.queries import QueueFilter, queue
from tests.factories import EquipmentFactory, SiteFactory


@pytest.fixture
def cases(open_case, customer_a, customer_b, sh_equipment, zhang):
    beijing = EquipmentFactory(site=SiteFactory(customer=customer_b, name="北京机房", region="北京"))
    return {
        "shanghai": open_case(customer_a, equipment=sh_equipment, title="上海的故障"),
        "beijing": open_case(customer_b, equipment=beijing, title="北京的故障"),
    }


def listed(html: str, cases: dict) -> set[str]:
    return {name for name, case in cases.items() if case.number in html}


def test_an_engineer_queue_shows_their_region_and_team_by_default(client, cases, zhang):
    client.force_login(zhang)
    html = client.get("/cases/").content.decode()
    assert listed(html, cases) == {"shanghai"}
    assert '<option value="mine" selected>' in html


def test_an_engineer_may_choose_every_region_and_open_any_case(client, cases, zhang):
    client.force_login(zhang)
    assert listed(client.get("/cases/", {"area": "all"}).content.decode(), cases) == {"shanghai", "beijing"}
    assert client.get(f"/cases/{cases['beijing'].number}/").status_code == 200


def test_a_search_looks_in_every_region(client, cases, zhang):
    client.force_login(zhang)
    html = client.get("/cases/", {"q": cases["beijing"].number}).content.decode()
    assert listed(html, cases) == {"beijing"}


def test_a_case_owned_by_the_engineer_elsewhere_stays_in_their_queue(cases, zhang):
    services.assign(case=cases["beijing"], by=zhang, owner=zhang)
    assert set(queue(zhang, QueueFilter(area="mine"))) == {cases["shanghai"], cases["beijing"]}


def test_managers_and_engineers_without_team_or_region_see_every_region(client, cases, make_user):
    for user in (make_user(Role.DEPT_MANAGER, username="dept"), make_user(Role.ENGINEER, username="new-engineer")):
        client.force_login(user)
        assert listed(client.get("/cases/").content.decode(), cases) == {"shanghai", "beijing"}


def test_the_api_lists_every_region_unless_asked_for_mine(cases, zhang):
    client = APIClient()
    client.force_authenticate(zhang)
    every = {row["number"] for row in client.get("/api/v1/cases/").json()["results"]}
    mine = {row["number"] for row in client.get("/api/v1/cases/", {"area": "mine"}).json()["results"]}
    assert every == {cases["shanghai"].number, cases["beijing"].number}
    assert mine == {cases["shanghai"].number}
    assert client.get("/api/v1/cases/", {"area": "x"}).status_code == 400
