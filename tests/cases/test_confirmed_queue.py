"""Closing is easy to find: the queue filters the resolved cases the customer has confirmed
(the manager's list of what to close), and wherever the status is shown a confirmed case says
"confirmed by the customer" instead of "awaiting confirmation"."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from aftersales.cases import services
from aftersales.cases.models import Status
from aftersales.cases.queries import QueueFilter, queue

pytestmark = pytest.mark.django_db

CONFIRMED_EN = "Resolved, confirmed by the customer"
CONFIRMED_ZH = "已解决，已由客户确认"
AWAITING_ZH = "已解决，待客户确认"


def _resolved(case, engineer):
    services.transition(case=case, action="accept", by=engineer)
    return services.transition(case=case, action="resolve", by=engineer, text="更换电源模块后恢复。")


@pytest.fixture
def cases(open_case, customer_a, equipment_a, engineer, manager, contact_a):
    """One case in each state the filter must tell apart."""
    new = open_case(customer_a, equipment=equipment_a, title="新案例")
    awaiting = _resolved(open_case(customer_a, equipment=equipment_a, title="待确认"), engineer)
    confirmed = services.confirm_resolution(
        case=_resolved(open_case(customer_a, equipment=equipment_a, title="客户已确认"), engineer), by=contact_a
    )
    by_phone = services.confirm_resolution(
        case=_resolved(open_case(customer_a, equipment=equipment_a, title="电话确认"), engineer),
        by=engineer,
        text="客户电话确认已恢复",
    )
    closed = services.confirm_resolution(
        case=_resolved(open_case(customer_a, equipment=equipment_a, title="已关闭"), engineer), by=contact_a
    )
    services.transition(case=closed, action="close", by=manager)
    rejected = _resolved(open_case(customer_a, equipment=equipment_a, title="客户不认可"), engineer)
    services.reject_resolution(case=rejected, by=contact_a, reason="仍然无法外呼")
    return {
        "new": new,
        "awaiting": awaiting,
        "confirmed": confirmed,
        "by_phone": by_phone,
        "closed": closed,
        "rejected": rejected,
    }


@pytest.mark.parametrize("persona", ["manager", "engineer", "contact_a"])
def test_the_confirmed_filter_lists_exactly_the_resolved_cases_the_customer_confirmed(persona, cases, request):
    user = request.getfixturevalue(persona)

    listed = set(queue(user, QueueFilter(status="confirmed")))

    assert listed == {cases["confirmed"], cases["by_phone"]}


def test_the_confirmed_filter_respects_visibility(cases, contact_b):
    assert list(queue(contact_b, QueueFilter(status="confirmed"))) == []


def test_the_queue_page_offers_the_filter_and_shows_the_confirmed_label(client, manager, cases):
    client.force_login(manager)
    with translation.override("zh-hans"):
        page = client.get(reverse("case_list"), {"status": "confirmed"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'value="confirmed" selected' in html
    table = html.split('data-testid="queue"', 1)[1]
    assert cases["confirmed"].number in table and cases["by_phone"].number in table
    assert cases["awaiting"].number not in table and cases["closed"].number not in table
    assert table.count(CONFIRMED_ZH) == 2 and AWAITING_ZH not in table


@pytest.mark.parametrize(
    "key, label",
    [
        ("confirmed", CONFIRMED_EN),
        ("by_phone", CONFIRMED_EN),
        ("awaiting", "Resolved, awaiting confirmation"),
        ("closed", "Closed"),
        ("rejected", "Reopened"),
    ],
)
def test_the_status_label_says_confirmed_once_the_customer_has(key, label, cases, client, manager, contact_a):
    case = cases[key]
    case.refresh_from_db()
    with translation.override("en"):
        assert case.status_label == label
    # The pages speak Chinese by default.
    with translation.override("zh-hans"):
        label = translation.gettext(label)
    assert label != "Closed"

    client.force_login(manager)
    page = client.get(reverse("case_detail", args=[case.number])).content.decode()
    assert f'data-testid="case-status">{label}<' in page

    client.force_login(contact_a)
    portal = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert f'data-testid="case-status">{label}<' in portal
    assert f">{label}</span>" in client.get(reverse("portal:home"), {"show": "all"}).content.decode()

    api = APIClient()
    api.force_login(manager)
    detail = api.get(f"/api/v1/cases/{case.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert (detail["status"], detail["status_display"]) == (case.status, label)


def test_the_api_filters_confirmed_cases_and_labels_them(cases, manager):
    api = APIClient()
    api.force_login(manager)

    rows = api.get("/api/v1/cases/?status=confirmed", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]

    assert {row["number"] for row in rows} == {cases["confirmed"].number, cases["by_phone"].number}
    assert {(row["status"], row["status_display"]) for row in rows} == {(Status.RESOLVED, CONFIRMED_ZH)}
