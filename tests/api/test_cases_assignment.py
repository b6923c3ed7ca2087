"""Assignment (owner, team, tier) and severity changes over the API."""

from __future__ import annotations

import pytest

from aftersales.cases import services
from aftersales.cases.models import CaseEvent, EventKind, Severity, Status
from aftersales.dispatch.models import Team
from aftersales.notifications.models import Notification
from aftersales.sla.models import Clock, ClockKind


@pytest.fixture
def team(db):
    return Team.objects.create(name="二线现场支持", tier="L2")


def _post(api, persona, case, what, body, **headers):
    return api(persona, **headers).post(f"/api/v1/cases/{case.number}/{what}/", body, format="json")


def _finish(case, engineer, manager):
    for action, by, text in [("accept", engineer, ""), ("start", engineer, ""), ("resolve", engineer, "已修复")]:
        services.transition(case=case, action=action, by=by, text=text)
    services.transition(case=case, action="close", by=manager)


# --- assignment -------------------------------------------------------------------------


def test_manager_assigns_owner_team_and_tier(api, case_a, engineer, manager, team):
    response = _post(
        api, "manager", case_a, "assign", {"owner": "engineer", "team": team.name, "tier": "L2", "expected_owner": ""}
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["owner"], data["team"], data["tier"]) == ("engineer", team.name, "L2")
    kinds = list(case_a.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.ASSIGNED) == 1 and kinds.count(EventKind.FIELDS) == 1
    assert Notification.objects.filter(kind=Notification.Kind.CASE_ASSIGNED, recipient=engineer).count() == 1


def test_sending_only_the_team_keeps_the_owner(api, case_a, engineer, manager, team):
    services.assign(case=case_a, by=manager, owner=engineer)

    response = _post(api, "manager", case_a, "assign", {"team": team.name})

    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["team"]) == ("engineer", team.name)


def test_null_owner_unassigns(api, case_a, engineer, manager):
    services.assign(case=case_a, by=manager, owner=engineer)
    response = _post(api, "manager", case_a, "assign", {"owner": None})
    assert response.status_code == 200
    assert response.json()["owner"] is None


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "属性 username 为 nobody 的对象不存在。"), ("en", "Object with username=nobody does not exist.")],
)
def test_unknown_owner_is_a_field_error(api, case_a, manager, language, message):
    response = _post(api, "manager", case_a, "assign", {"owner": "nobody"}, **{"Accept-Language": language})
    assert response.status_code == 400
    assert response.json()["fields"] == {"owner": [message]}


def test_a_customer_contact_cannot_become_the_owner(api, case_a, manager, contact_a):
    response = _post(api, "manager", case_a, "assign", {"owner": contact_a.username})
    assert response.status_code == 400
    assert "owner" in response.json()["fields"]
    case_a.refresh_from_db()
    assert case_a.owner is None


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "请提供负责人、团队或支持级别。"), ("en", "Send the owner, the team or the tier.")],
)
def test_an_empty_assignment_says_what_is_missing(api, case_a, manager, language, message):
    response = _post(api, "manager", case_a, "assign", {}, **{"Accept-Language": language})
    assert response.status_code == 400
    assert response.json()["fields"] == {"__all__": [message]}


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "此案例刚被他人修改"), ("en", "its owner is now")])
def test_assigning_a_case_someone_else_just_took_is_a_conflict(api, case_a, engineer, manager, team, language, words):
    services.assign(case=case_a, by=manager, owner=engineer)  # while the other manager's page was open
    events = CaseEvent.objects.count()

    response = _post(
        api, "manager", case_a, "assign", {"team": team.name, "expected_owner": ""}, **{"Accept-Language": language}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and words in response.json()["message"]
    case_a.refresh_from_db()
    assert (case_a.team, CaseEvent.objects.count()) == (None, events)


def test_a_finished_case_cannot_be_reassigned(api, case_a, engineer, manager):
    _finish(case_a, engineer, manager)
    response = _post(api, "manager", case_a, "assign", {"owner": "engineer"})
    assert response.status_code == 422
    assert response.json()["code"] == "not_allowed"


def test_tier_and_owner_change_together_or_not_at_all(api, case_a, engineer, manager):
    _finish(case_a, engineer, manager)
    response = _post(api, "manager", case_a, "assign", {"tier": "L3"})
    assert response.status_code == 422
    case_a.refresh_from_db()
    assert case_a.tier == "L1"


@pytest.mark.parametrize("persona", ["sales", "contact_a"])
def test_read_only_staff_and_customers_cannot_assign(api, case_a, engineer, persona):
    response = _post(api, persona, case_a, "assign", {"owner": "engineer"})
    assert response.status_code == 422
    case_a.refresh_from_db()
    assert case_a.owner is None


# --- severity ---------------------------------------------------------------------------


def test_raising_the_severity_recomputes_the_clocks(api, case_a):
    before = set(Clock.objects.filter(case=case_a).values_list("kind", flat=True))

    response = _post(
        api, "engineer", case_a, "severity", {"severity": "A", "reason": "全院门诊受影响", "expected_severity": "C"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["severity"] == Severity.A
    event = case_a.events.get(kind=EventKind.SEVERITY)
    assert event.text == "全院门诊受影响"
    assert ClockKind.ON_SITE not in before
    assert ClockKind.ON_SITE in {clock["kind"] for clock in response.json()["clocks"]}


@pytest.mark.parametrize(
    ("language", "required", "choice"),
    [
        ("zh-hans", "这个字段是必填项。", "“Z” 不是合法选项。"),
        ("en", "This field is required.", '"Z" is not a valid choice.'),
    ],
)
def test_severity_without_a_reason_names_the_fields(api, case_a, language, required, choice):
    response = _post(api, "engineer", case_a, "severity", {"severity": "Z"}, **{"Accept-Language": language})

    assert response.status_code == 400
    assert response.json()["fields"] == {"severity": [choice], "reason": [required]}
    case_a.refresh_from_db()
    assert case_a.severity == Severity.C


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "此案例刚被他人修改"), ("en", "its severity is now")])
def test_changing_a_severity_someone_else_just_changed_is_a_conflict(api, case_a, engineer, language, words):
    services.change_severity(case=case_a, by=engineer, severity=Severity.B, reason="客户投诉")

    response = _post(
        api,
        "manager",
        case_a,
        "severity",
        {"severity": "A", "reason": "升级", "expected_severity": "C"},
        **{"Accept-Language": language},
    )

    assert response.status_code == 409
    assert words in response.json()["message"]
    case_a.refresh_from_db()
    assert case_a.severity == Severity.B


def test_a_finished_case_keeps_its_severity(api, case_a, engineer, manager):
    _finish(case_a, engineer, manager)
    response = _post(api, "engineer", case_a, "severity", {"severity": "A", "reason": "x"})
    assert response.status_code == 422
    assert case_a.events.filter(kind=EventKind.SEVERITY).count() == 0


@pytest.mark.parametrize("persona", ["sales", "contact_a"])
def test_read_only_staff_and_customers_cannot_change_severity(api, case_a, persona):
    response = _post(api, persona, case_a, "severity", {"severity": "A", "reason": "急"})
    assert response.status_code == 422
    case_a.refresh_from_db()
    assert (case_a.severity, case_a.status) == (Severity.C, Status.NEW)
