"""One error shape, {"code", "message", "fields"}, in the request's language."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.api.tokens import create_token
from aftersales.cases import services

SHAPE = {"code", "message", "fields"}


def test_not_found_in_chinese_by_default(api):
    response = api("engineer").get("/api/v1/cases/CS209901-000001/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到。", "fields": {}}
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize("how", ["header", "query"])
def test_not_found_in_english_when_asked(api, how):
    client = api("engineer", **({"Accept-Language": "en"} if how == "header" else {}))
    response = client.get("/api/v1/cases/CS209901-000001/" + ("?lang=en" if how == "query" else ""))
    assert response.json()["message"] == "Not found."
    assert response["Content-Language"] == "en"


def test_user_language_setting_applies_without_a_header(api, engineer):
    engineer.language = "en"
    engineer.save()
    new = create_token(user=engineer, name="x")
    response = APIClient(headers={"Authorization": f"Token {new.key}"}).get("/api/v1/cases/CS209901-000001/")
    assert response.json()["message"] == "Not found."


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "此案例刚被他人修改"), ("en", "Someone else changed this case")]
)
def test_conflict_message_in_the_requests_language(api, case_a, engineer, language, words):
    services.transition(case=case_a, action="accept", by=engineer)
    response = api("manager", **{"Accept-Language": language}).post(
        f"/api/v1/cases/{case_a.number}/actions/start/", {"expected_status": "new"}, format="json"
    )
    assert response.status_code == 409
    assert set(response.json()) == SHAPE
    assert words in response.json()["message"]


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "这个字段是必填项。"), ("en", "This field is required.")])
def test_validation_fields_in_the_requests_language(api, customer_a, language, words):
    response = api("agent", **{"Accept-Language": language}).post(
        "/api/v1/cases/", {"customer": customer_a.pk, "description": "d"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["title"] == [words]


def test_unknown_api_address_answers_json(api):
    response = api("engineer").get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_json_is_a_400_in_the_shape(api, case_a):
    response = api("engineer").post(
        f"/api/v1/cases/{case_a.number}/comments/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == SHAPE
    assert response.json()["code"] == "parse_error"


def test_unauthenticated_message_in_english_when_asked(api):
    response = api(None, **{"Accept-Language": "en"}).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication credentials were not provided."


def test_read_only_token_refusal_in_the_token_users_language(engineer, case_a):
    engineer.language = "en"
    engineer.save()
    new = create_token(user=engineer, name="x")
    client = APIClient(headers={"Authorization": f"Token {new.key}"})
    response = client.post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "This token may only read."


def test_unknown_api_address_uses_the_session_users_language(api, engineer):
    engineer.language = "en"
    engineer.save()
    assert api("engineer").get("/api/nothing/").json()["message"] == "Not found."


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_unknown_api_address_answers_json_to_unsafe_methods_too(method, engineer):
    # Not the CSRF check's HTML 403 page: the API's views are exempt, and so is its catch-all.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(engineer)
    response = getattr(client, method)("/api/v1/cases/%C2%84/", {"title": "x"}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
