"""The visits and service reports API: scoped to the cases the caller sees, idempotent report
submission, errors by field."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from aftersales.field import services
from aftersales.field.models import ServiceReport
from tests.field.conftest import signature_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(request):
    """api("engineer") → a client logged in as that persona."""
    from rest_framework.test import APIClient

    def make(persona: str):
        client = APIClient()
        client.force_login(request.getfixturevalue(persona))
        return client

    return make


@pytest.fixture
def visit_b(case_b, manager, engineer):
    return services.dispatch_visit(case=case_b, by=manager, engineers=[engineer], planned_departure_at=timezone.now())


def _report_body(**overrides):
    signature = base64.b64encode(signature_png()).decode()
    body = {
        "idempotency_key": str(uuid.uuid4()),
        "kind": "commissioning",
        "work_done": "调试 IVR 流程",
        "started_at": (timezone.now() - timezone.timedelta(hours=2)).isoformat(),
        "finished_at": timezone.now().isoformat(),
        "materials": [{"name": "配置文件", "quantity": 1}],
        "test_result": "partly",
        "open_points": ["夜间流程待客户确认"],
        "customer_signer": "王主任",
        "customer_signature": f"data:image/png;base64,{signature}",
        "engineer_signature": signature,
    }
    body.update(overrides)
    return body


def test_a_customer_lists_only_their_own_visits_without_positions(api, visit, visit_b, engineer, contact_a):
    services.move_visit(visit=visit, action="arrive", by=engineer, position=services.parse_position(31.2, 121.4))
    rows = api("contact_a").get("/api/v1/visits/").json()["results"]
    assert [row["id"] for row in rows] == [visit.pk]
    assert rows[0]["arrival_latitude"] is None
    assert rows[0]["engineers"] == [engineer.display_name]
    staff = api("engineer").get(f"/api/v1/visits/{visit.pk}/").json()
    assert staff["arrival_latitude"] == "31.200000"
    assert api("contact_a").get(f"/api/v1/visits/{visit_b.pk}/").status_code == 404
    assert api("contact_a").get(f"/api/v1/visits/?case={visit_b.case.number}").json()["results"] == []


def test_the_phone_works_a_visit_through_the_api(api, visit, engineer):
    client = api("engineer")
    for action, body in [
        ("depart", {"expected_status": "planned"}),
        ("arrive", {"latitude": 31.2, "longitude": 121.4, "accuracy": 8}),
        ("confirm_symptom", {"confirmed_by": "王主任", "text": "坐席无法登录"}),
        ("complete", {"text": "重启 CTI 服务"}),
    ]:
        answer = client.post(f"/api/v1/visits/{visit.pk}/actions/{action}/", body, format="json")
        assert answer.status_code == 200, answer.json()
    early = client.post(f"/api/v1/visits/{visit.pk}/actions/check_out/", {}, format="json")
    assert early.status_code == 422
    assert early.json()["code"] == "invalid"

    body = _report_body()
    first = client.post(f"/api/v1/visits/{visit.pk}/reports/", body, format="json")
    again = client.post(f"/api/v1/visits/{visit.pk}/reports/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert ServiceReport.objects.count() == 1
    assert first.json()["open_points"][0]["case"]
    done = client.post(f"/api/v1/visits/{visit.pk}/actions/check_out/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "checked_out"


def test_a_bad_signature_is_a_field_error(api, visit, engineer, walk):
    walk(visit, engineer, "arrive", "confirm_symptom", "complete")
    client = api("engineer")
    answer = client.post(
        f"/api/v1/visits/{visit.pk}/reports/", _report_body(customer_signature="not base64!"), format="json"
    )
    assert answer.status_code == 400
    assert "customer_signature" in answer.json()["fields"]
    blank = base64.b64encode(signature_png(blank=True)).decode()
    answer = client.post(f"/api/v1/visits/{visit.pk}/reports/", _report_body(engineer_signature=blank), format="json")
    assert answer.status_code == 422
    assert list(answer.json()["fields"]) == ["engineer_signature"]


@given(
    latitude=st.one_of(st.none(), st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True)),
    longitude=st.one_of(st.none(), st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True)),
    accuracy=st.one_of(st.none(), st.text(max_size=8), st.floats(allow_nan=True, allow_infinity=True)),
)
@example(latitude=float("nan"), longitude=0.0, accuracy=None)
@example(latitude="1e999", longitude="-inf", accuracy="nan")
def test_any_position_a_browser_sends_is_kept_in_range_or_dropped(latitude, longitude, accuracy):
    position = services.parse_position(latitude, longitude, accuracy)
    if position is not None:
        lat, lng, metres = position
        assert -90 <= lat <= 90 and -180 <= lng <= 180
        assert metres is None or 0 <= metres <= 1_000_000
