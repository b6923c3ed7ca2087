"""The portal's live list follows only the cases the contact may see: another customer's case,
or a colleague's the contact is not copied on, changes nothing and reveals nothing."""

from __future__ import annotations

import re

import pytest

from aftersales.cases import services
from aftersales.cases.live import cases_version


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def _version(client) -> str:
    html = client.get("/portal/").content.decode()
    return re.search(r'data-live [^>]*data-version="([0-9a-f]+)"', html).group(1)


def _poll(client, version):
    return client.get("/portal/", {"partial": "live"}, HTTP_IF_NONE_MATCH=f'"{version}"')


def test_another_customers_case_does_not_change_a_contacts_version(
    client, alice, bob, committed, open_case, customer_a, customer_b
):
    client.force_login(alice)
    version = _version(client)
    committed(lambda: open_case(customer_b, contact=bob.contact, title="柜员终端蓝屏"))
    assert _poll(client, version).status_code == 304
    case = committed(lambda: open_case(customer_a, contact=alice.contact, title="门诊楼交换机故障"))
    answer = _poll(client, version)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert case.number in html and "柜员终端蓝屏" not in html
    assert 'id="live-portal-cases"' in html


def test_a_colleagues_case_changes_only_the_colleagues_and_the_managers_version(
    alice, colleague, manager_a, committed, open_case, customer_a, agent
):
    before = {user: cases_version(user) for user in (alice, colleague, manager_a)}
    case = committed(lambda: open_case(customer_a, contact=colleague.contact, title="同事的案例"))
    assert cases_version(alice) == before[alice]
    assert cases_version(colleague) != before[colleague]
    assert cases_version(manager_a) != before[manager_a]

    # Work on the colleague's case (a note, a move) still says nothing to alice.
    now = {user: cases_version(user) for user in (alice, colleague)}
    committed(lambda: services.add_comment(case=case, by=agent, text="已派工程师。", public=True))
    assert cases_version(alice) == now[alice]
    assert cases_version(colleague) != now[colleague]


def test_a_contact_cannot_poll_the_staff_queue(client, alice):
    client.force_login(alice)
    answer = client.get("/cases/", {"partial": "live"})
    assert answer.status_code == 302 and answer["Location"] == "/portal/"
