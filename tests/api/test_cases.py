"""Cases over the API: intake, the queue, one case, edits, workflow actions and comments."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.cases import services
from aftersales.cases.models import Case, Channel, EventKind, Severity, Status
from aftersales.cases.queries import QueueFilter, queue
from tests.factories import EquipmentFactory, SiteFactory

INTERNAL_NOTE = "内部备注：合同快到期"
PUBLIC_REPLY = "工程师明早上门"


def _open(api, persona="agent", **body):
    return api(persona).post("/api/v1/cases/", body, format="json")


def test_agent_opens_a_case_by_serial_number(api, agent, customer_a, equipment_a):
    response = _open(
        api,
        customer=customer_a.pk,
        serial_number=equipment_a.serial_number.lower(),
        title="核心交换机宕机",
        description="全院断网",
        severity="A",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(number=data["number"])
    assert (case.equipment, case.site, case.channel, case.taken_by) == (
        equipment_a,
        equipment_a.site,
        Channel.API,
        agent,
    )
    assert data["status"] == Status.NEW
    assert EventKind.CREATED in {event["kind"] for event in data["timeline"]}
    assert {clock["kind"] for clock in data["clocks"]}
    assert all({"due_at", "met_at", "breached_at", "state", "words"} <= set(c) for c in data["clocks"])


def test_opening_with_another_customers_equipment_is_refused_with_fields(api, customer_a, equipment_b):
    response = _open(api, customer=customer_a.pk, equipment=equipment_b.pk, title="t", description="d")
    assert response.status_code == 422
    assert response.json()["fields"].keys() == {"equipment"}
    assert not Case.objects.exists()


def test_unknown_serial_number_is_a_field_error(api, customer_a):
    response = _open(api, customer=customer_a.pk, serial_number="NOPE", title="t", description="d")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "serial_number" in body["fields"]


def test_missing_title_is_a_field_error(api, customer_a):
    response = _open(api, customer=customer_a.pk, description="d")
    assert response.status_code == 400
    assert "title" in response.json()["fields"]


def test_detail_by_number_any_case(api, case_a):
    response = api("engineer").get(f"/api/v1/cases/{case_a.number.lower()}/")
    assert response.status_code == 200
    assert response.json()["number"] == case_a.number
    assert "accept" in response.json()["actions"]


def test_customer_never_sees_internal_timeline_entries(api, case_a, engineer, contact_a):
    services.add_comment(case=case_a, by=engineer, text=INTERNAL_NOTE, public=False)
    services.add_comment(case=case_a, by=engineer, text=PUBLIC_REPLY, public=True)
    staff_texts = [e["text"] for e in api("engineer").get(f"/api/v1/cases/{case_a.number}/").json()["timeline"]]
    customer = api("contact_a").get(f"/api/v1/cases/{case_a.number}/").json()
    customer_texts = [e["text"] for e in customer["timeline"]]
    assert INTERNAL_NOTE in staff_texts and PUBLIC_REPLY in staff_texts
    assert INTERNAL_NOTE not in customer_texts and PUBLIC_REPLY in customer_texts
    assert all(e["is_public"] for e in customer["timeline"])
    assert customer["actions"] == []


def test_list_filters_like_the_queue(api, open_case, customer_a, customer_b, engineer):
    a = open_case(customer_a, severity=Severity.A, title="甲")
    b = open_case(customer_b, severity=Severity.C, title="乙")
    services.transition(case=b, action="accept", by=engineer)

    def numbers(query):
        response = api("engineer").get("/api/v1/cases/" + query)
        assert response.status_code == 200, response.content
        return [row["number"] for row in response.json()["results"]]

    assert numbers("") == [a.number, b.number]
    assert numbers("?severity=A&severity=B") == [a.number]
    assert numbers("?severity=C&severity=D") == [b.number]
    assert numbers(f"?customer={customer_b.pk}") == [b.number]
    assert numbers("?mine=true") == [b.number]
    assert numbers("?unassigned=true") == [a.number]
    assert numbers("?status=accepted") == [b.number]
    assert numbers("?status=finished") == []
    assert numbers("?q=甲") == [a.number]
    assert numbers("?ordering=due") == [c.number for c in queue(engineer, QueueFilter(sort="due"))]


def test_bad_filter_value_is_a_field_error(api):
    response = api("engineer").get("/api/v1/cases/?severity=Z&due=later")
    assert response.status_code == 400
    assert {"severity.0", "due"} <= response.json()["fields"].keys()


@pytest.mark.parametrize("ordering", ["severity", "due"])
def test_cursor_pages_walk_every_case_once_in_queue_order(api, open_case, customer_a, engineer, ordering):
    for n, severity in enumerate("ABCDBCA"):
        open_case(customer_a, severity=severity, title=f"case {n}")
    expected = [c.number for c in queue(engineer, QueueFilter(sort=ordering))]
    seen, url = [], f"/api/v1/cases/?page_size=2&ordering={ordering}"
    client = api("engineer")
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [row["number"] for row in page["results"]]
        url = page["next"]
    assert seen == expected


def test_a_case_opened_between_pages_does_not_shift_the_next_page(api, open_case, customer_a):
    first = [open_case(customer_a, severity=Severity.B, title=f"b{n}") for n in range(3)]
    client = api("engineer")
    page = client.get("/api/v1/cases/?page_size=2").json()
    open_case(customer_a, severity=Severity.A, title="new, sorts first")
    rest = client.get(page["next"]).json()
    assert [row["number"] for row in rest["results"]] == [first[2].number]


def test_invalid_cursor_is_a_404_in_the_error_shape(api):
    response = api("engineer").get("/api/v1/cases/?cursor=garbage")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patch_changes_editable_fields_and_records_them(api, case_a, customer_a):
    site = SiteFactory(customer=customer_a)
    response = api("engineer").patch(
        f"/api/v1/cases/{case_a.number}/", {"title": "新标题", "site": site.pk, "tier": "L2"}, format="json"
    )
    assert response.status_code == 200, response.content
    case_a.refresh_from_db()
    assert (case_a.title, case_a.site, case_a.tier) == ("新标题", site, "L2")
    assert case_a.events.filter(kind=EventKind.FIELDS).count() == 1


def test_patch_cannot_point_at_another_customers_equipment(api, case_a, customer_b):
    other = EquipmentFactory(site=SiteFactory(customer=customer_b))
    response = api("engineer").patch(f"/api/v1/cases/{case_a.number}/", {"equipment": other.pk}, format="json")
    assert response.status_code == 422
    assert "equipment" in response.json()["fields"]


def test_put_is_not_offered(api, case_a):
    response = api("engineer").put(f"/api/v1/cases/{case_a.number}/", {"title": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def _act(api, persona, case, action, **body):
    return api(persona).post(f"/api/v1/cases/{case.number}/actions/{action}/", body, format="json")


def test_workflow_through_the_api_to_closed(api, case_a):
    assert _act(api, "engineer", case_a, "accept", expected_status="new").json()["status"] == Status.ACCEPTED
    assert _act(api, "engineer", case_a, "start").json()["status"] == Status.IN_PROGRESS
    resolved = _act(api, "engineer", case_a, "resolve", text="更换电源模块")
    assert resolved.status_code == 200 and resolved.json()["status"] == Status.RESOLVED
    closed = _act(api, "manager", case_a, "close", expected_status="resolved")
    assert closed.status_code == 200 and closed.json()["status"] == Status.CLOSED


def test_stale_expected_status_is_a_conflict(api, case_a, engineer):
    services.transition(case=case_a, action="accept", by=engineer)
    response = _act(api, "manager", case_a, "accept", expected_status="new")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_engineer_cannot_close_a_case(api, case_a, engineer):
    for action, text in [("accept", ""), ("start", ""), ("resolve", "修好了")]:
        services.transition(case=case_a, action=action, by=engineer, text=text)
    response = _act(api, "engineer", case_a, "close")
    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"
    case_a.refresh_from_db()
    assert case_a.status == Status.RESOLVED


def test_action_that_needs_a_reason_names_the_field(api, case_a, engineer):
    services.transition(case=case_a, action="accept", by=engineer)
    response = _act(api, "engineer", case_a, "resolve")
    assert response.status_code == 422
    assert "text" in response.json()["fields"]


def test_unknown_action_is_refused(api, case_a):
    response = _act(api, "engineer", case_a, "explode")
    assert response.status_code == 422


def test_merge_into_another_case_by_number(api, open_case, case_a, customer_a):
    original = open_case(customer_a, title="原单")
    response = _act(api, "manager", case_a, "merge", text="重复报障", merge_into=original.number)
    assert response.status_code == 200, response.content
    assert response.json()["merged_into"] == original.number


def test_merge_into_an_invisible_case_is_a_field_error(api, case_a, case_b):
    # A contact cannot act at all; staff pointing at a number that does not exist get a field error.
    response = _act(api, "manager", case_a, "merge", text="重复", merge_into="CS209901-999999")
    assert response.status_code == 400
    assert "merge_into" in response.json()["fields"]


def test_staff_comment_is_internal_by_default(api, case_a):
    response = api("engineer").post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "排查中"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_public"] is False and response.json()["kind"] == EventKind.NOTE


def test_customer_comment_is_a_reply(api, case_a):
    response = api("contact_a").post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "还是不行"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_public"] is True


def test_customer_cannot_write_an_internal_note(api, case_a):
    response = api("contact_a").post(
        f"/api/v1/cases/{case_a.number}/comments/", {"text": "x", "public": False}, format="json"
    )
    assert response.status_code == 422


def test_queue_page_costs_the_same_queries_for_one_case_or_many(api, open_case, customer_a):
    client = api("engineer")
    open_case(customer_a)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/cases/")
    for n in range(5):
        open_case(customer_a, title=f"more {n}")
    with CaptureQueriesContext(connection) as six:
        assert len(client.get("/api/v1/cases/").json()["results"]) == 6
    assert len(six) == len(one)
