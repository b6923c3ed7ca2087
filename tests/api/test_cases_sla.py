"""Service acts and suspension requests (R3.3) over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import CaseEvent, EventKind, Severity, Status
from aftersales.notifications.models import Notification
from aftersales.sla.models import Clock, ClockKind, SuspensionRequest


def _post(api, persona, case, what, body, **headers):
    return api(persona, **headers).post(f"/api/v1/cases/{case.number}/{what}/", body, format="json")


@pytest.fixture
def duty_manager(make_user):
    return make_user(Role.DUTY_MANAGER, username="duty")


@pytest.fixture
def critical(open_case, customer_a, equipment_a):
    """A severity-A fault: it has first-contact and on-site clocks."""
    return open_case(customer_a, equipment=equipment_a, severity=Severity.A, title="核心交换机宕机")


@pytest.fixture
def working(case_a, engineer):
    return services.transition(case=case_a, action="accept", by=engineer)


def _consent(**changes) -> dict:
    return {
        "reason": "客户机房停电检修",
        "consent_by": "王主任",
        "consent_channel": "phone",
        "consent_at": timezone.now().isoformat(),
        "expected_end_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
    } | changes


# --- acts -------------------------------------------------------------------------------


def test_recording_arrival_on_site_meets_the_on_site_clock(api, critical, engineer):
    response = _post(api, "engineer", critical, "acts", {"act": "on_site", "text": "已到达门诊楼机房"})

    assert response.status_code == 201, response.content
    event = response.json()
    assert (event["kind"], event["text"], event["actor"]) == (EventKind.CLOCK, "已到达门诊楼机房", str(engineer))
    assert Clock.objects.get(case=critical, kind=ClockKind.ON_SITE).met_at is not None
    assert Clock.objects.get(case=critical, kind=ClockKind.FIRST_CONTACT).met_at is None


def test_requesting_an_hq_engineer_starts_the_depart_clock(api, critical):
    assert not Clock.objects.filter(case=critical, kind=ClockKind.DEPART).exists()
    response = _post(api, "engineer", critical, "acts", {"act": "depart_requested"})
    assert response.status_code == 201
    assert Clock.objects.get(case=critical, kind=ClockKind.DEPART).met_at is None


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "“shouted” 不是合法选项。"), ("en", '"shouted" is not a valid choice.')],
)
def test_an_unknown_act_is_a_field_error(api, critical, language, message):
    response = _post(api, "engineer", critical, "acts", {"act": "shouted"}, **{"Accept-Language": language})
    assert response.status_code == 400
    assert response.json()["fields"] == {"act": [message]}


def test_an_act_on_a_cancelled_case_is_not_allowed(api, case_a, agent):
    services.transition(case=case_a, action="cancel", by=agent, text="客户重复报障")
    events = CaseEvent.objects.count()

    response = _post(api, "engineer", case_a, "acts", {"act": "fault_report"}, **{"Accept-Language": "en"})

    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"
    assert "Cancelled" in response.json()["message"]
    assert CaseEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["sales", "contact_a"])
def test_read_only_staff_and_customers_record_no_acts(api, critical, persona):
    response = _post(api, persona, critical, "acts", {"act": "contacted"})
    assert response.status_code == 422
    assert Clock.objects.get(case=critical, kind=ClockKind.FIRST_CONTACT).met_at is None


# --- suspension requests ----------------------------------------------------------------


def test_engineer_asks_to_suspend_with_the_customers_consent(api, working, duty_manager):
    response = _post(api, "engineer", working, "suspension-requests", _consent())

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["consent_by"], data["consent_channel"], data["requested_by"]) == (
        "pending",
        "王主任",
        "phone",
        "engineer",
    )
    assert working.events.filter(kind=EventKind.SUSPENSION).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.SUSPENSION_REQUEST, recipient=duty_manager).exists()
    listed = api("manager").get(f"/api/v1/cases/{working.number}/suspension-requests/").json()
    assert [row["id"] for row in listed] == [data["id"]]


def test_customer_sees_no_suspension_requests_of_their_own_case(api, working, engineer):
    services.request_suspension(
        case=working,
        by=engineer,
        **_consent(consent_at=timezone.now(), expected_end_at=timezone.now() + dt.timedelta(days=2)),
    )
    response = api("contact_a").get(f"/api/v1/cases/{working.number}/suspension-requests/")
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("language", "required", "choice", "future"),
    [
        ("zh-hans", "这个字段是必填项。", "“fax” 不是合法选项。", "客户同意的时间不能晚于当前时间。"),
        (
            "en",
            "This field is required.",
            '"fax" is not a valid choice.',
            "The customer's consent cannot lie in the future.",
        ),
    ],
)
def test_a_request_without_proper_consent_names_the_fields(api, working, language, required, choice, future):
    tomorrow = (timezone.now() + dt.timedelta(days=1)).isoformat()
    body = _consent(consent_channel="fax", consent_at=tomorrow)
    del body["consent_by"]

    response = _post(api, "engineer", working, "suspension-requests", body, **{"Accept-Language": language})

    assert response.status_code == 400
    assert response.json()["fields"] == {"consent_by": [required], "consent_channel": [choice], "consent_at": [future]}
    assert not SuspensionRequest.objects.exists()


def test_a_second_request_while_one_awaits_approval_is_a_conflict(api, working, engineer):
    services.request_suspension(
        case=working,
        by=engineer,
        **_consent(consent_at=timezone.now(), expected_end_at=timezone.now() + dt.timedelta(days=2)),
    )
    response = _post(api, "engineer", working, "suspension-requests", _consent())
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert SuspensionRequest.objects.count() == 1


def test_a_new_case_cannot_be_suspended(api, case_a):
    response = _post(api, "engineer", case_a, "suspension-requests", _consent())
    assert response.status_code == 422
    assert not SuspensionRequest.objects.exists()


@pytest.mark.parametrize("persona", ["agent", "sales", "contact_a"])
def test_only_engineers_and_managers_ask_to_suspend(api, working, persona):
    response = _post(api, persona, working, "suspension-requests", _consent())
    assert response.status_code == 422
    assert not SuspensionRequest.objects.exists()


# --- decisions --------------------------------------------------------------------------


@pytest.fixture
def pending(working, engineer):
    return services.request_suspension(
        case=working,
        by=engineer,
        **_consent(consent_at=timezone.now(), expected_end_at=timezone.now() + dt.timedelta(days=2)),
    )


def _decide(api, persona, case, request, decision, **headers):
    return _post(
        api,
        persona,
        case,
        f"suspension-requests/{request.pk}/decision",
        {"decision": decision, "note": "同意"},
        **headers,
    )


def test_duty_manager_approves_and_the_case_is_suspended_with_its_clocks_paused(api, working, pending, duty_manager):
    response = _decide(api, "duty_manager", working, pending, "approve")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.SUSPENDED
    running = {c["kind"]: c["state"] for c in response.json()["clocks"] if c["state"] not in ("met", "met_late")}
    assert running and set(running.values()) == {"paused"}, running
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (SuspensionRequest.Status.APPROVED, duty_manager)


def test_a_rejected_request_leaves_the_case_working(api, working, pending, duty_manager):
    response = _decide(api, "duty_manager", working, pending, "reject")
    assert response.status_code == 200
    assert response.json()["status"] == Status.ACCEPTED
    pending.refresh_from_db()
    assert pending.status == SuspensionRequest.Status.REJECTED


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "批准"), ("en", "already decided: Approved")])
def test_deciding_twice_is_a_conflict(api, working, pending, duty_manager, manager, language, words):
    services.decide_suspension(request=pending, by=manager, approve=True)
    response = _decide(api, "duty_manager", working, pending, "reject", **{"Accept-Language": language})
    assert response.status_code == 409
    assert words in response.json()["message"]


def test_approving_after_the_case_was_resolved_meanwhile_changes_nothing(api, working, pending, engineer, duty_manager):
    services.transition(case=working, action="start", by=engineer)
    services.transition(case=working, action="resolve", by=engineer, text="已恢复供电")

    response = _decide(api, "duty_manager", working, pending, "approve")

    assert response.status_code == 422
    pending.refresh_from_db()
    working.refresh_from_db()
    assert (pending.status, working.status) == (SuspensionRequest.Status.PENDING, Status.RESOLVED)


@pytest.mark.parametrize("persona", ["engineer", "agent", "executive", "sales"])
def test_only_duty_managers_and_above_decide(api, working, pending, persona):
    response = _decide(api, persona, working, pending, "approve")
    assert response.status_code == 422
    pending.refresh_from_db()
    assert pending.status == SuspensionRequest.Status.PENDING


def test_a_request_is_decided_only_under_its_own_case(api, working, pending, case_b, duty_manager):
    response = _decide(api, "duty_manager", case_b, pending, "approve")
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == SuspensionRequest.Status.PENDING


@pytest.mark.parametrize(
    ("language", "message"), [("zh-hans", "“maybe” 不是合法选项。"), ("en", '"maybe" is not a valid choice.')]
)
def test_an_unknown_decision_is_a_field_error(api, working, pending, duty_manager, language, message):
    response = _decide(api, "duty_manager", working, pending, "maybe", **{"Accept-Language": language})
    assert response.status_code == 400
    assert response.json()["fields"] == {"decision": [message]}
