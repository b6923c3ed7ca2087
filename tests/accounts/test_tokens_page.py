"""The page where each person makes and revokes their own API tokens, and the admin's view of
everyone's."""

from __future__ import annotations

import hashlib
import re

import pytest
from rest_framework.test import APIClient

from aftersales.api.models import ApiToken
from aftersales.api.token_pages import MAX_ACTIVE_TOKENS
from aftersales.api.tokens import create_token

URL = "/account/tokens/"


def _key_on(page: str) -> str | None:
    found = re.search(r'id="new-key" value="([^"]+)"', page)
    return found.group(1) if found else None


def _api(key: str) -> APIClient:
    return APIClient(headers={"Authorization": f"Token {key}"})


def test_page_needs_a_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_page_is_in_chinese_and_linked_from_the_user_menu(client, engineer):
    client.force_login(engineer)
    page = client.get("/cases/").content.decode()
    assert f'href="{URL}"' in page
    page = client.get(URL).content.decode()
    assert "API 令牌" in page
    assert "新建令牌" in page


def test_creating_a_token_shows_the_key_once_and_stores_its_hash(client, engineer):
    client.force_login(engineer)
    response = client.post(URL, {"name": "监控系统", "scope": "read_write"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    key = _key_on(page)
    token = ApiToken.objects.get(user=engineer)
    assert key.startswith(token.prefix + ".")
    assert (token.name, token.scope) == ("监控系统", "read_write")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert all(key not in str(value) for value in ApiToken.objects.values().get().values())
    # Shown once: the list afterwards has the prefix, never the key.
    again = client.get(URL).content.decode()
    assert token.prefix in again
    assert key not in again and _key_on(again) is None
    assert _api(key).get("/api/v1/cases/").status_code == 200


def test_list_shows_name_scope_dates_and_prefix(client, engineer, time_machine):
    time_machine.move_to("2026-11-23 09:15:00+08:00", tick=False)
    new = create_token(user=engineer, name="报表导出")
    _api(new.key).get("/api/v1/")
    client.force_login(engineer)
    row = re.search(rf'<tr data-token="{new.token.prefix}">(.*?)</tr>', client.get(URL).content.decode(), re.S).group(1)
    assert "报表导出" in row and "只读" in row
    assert row.count("2026-11-23 09:15") == 2  # created and last used


def test_a_name_is_required(client, engineer):
    client.force_login(engineer)
    response = client.post(URL, {"name": "  ", "scope": "read"})
    assert _key_on(response.content.decode()) is None
    assert "这个字段是必填项" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_unknown_scope_is_refused(client, engineer):
    client.force_login(engineer)
    response = client.post(URL, {"name": "x", "scope": "admin"})
    assert _key_on(response.content.decode()) is None
    assert not ApiToken.objects.exists()


def test_active_tokens_are_limited(client, engineer):
    for n in range(MAX_ACTIVE_TOKENS):
        create_token(user=engineer, name=f"t{n}")
    client.force_login(engineer)
    response = client.post(URL, {"name": "one more", "scope": "read"})
    assert _key_on(response.content.decode()) is None
    assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS


def test_revoking_asks_first_then_the_token_gets_401(client, engineer):
    new = create_token(user=engineer, name="旧系统")
    client.force_login(engineer)
    confirm = client.get(f"/account/tokens/{new.token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "旧系统" in confirm.content.decode()
    assert ApiToken.objects.get().revoked_at is None  # asking is not doing
    response = client.post(f"/account/tokens/{new.token.pk}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert ApiToken.objects.get().revoked_at is not None
    refused = _api(new.key).get("/api/v1/cases/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert set(refused.json()) == {"code", "message", "fields"}


def test_someone_elses_token_cannot_be_revoked_or_seen(client, engineer, agent):
    theirs = create_token(user=agent, name="坐席集成")
    client.force_login(engineer)
    assert client.get(f"/account/tokens/{theirs.token.pk}/revoke/").status_code == 404
    assert client.post(f"/account/tokens/{theirs.token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    assert "坐席集成" not in client.get(URL).content.decode()


def test_customer_contact_token_sees_only_what_the_contact_sees(client, contact_a, case_a, case_b):
    # The page is the staff's: a contact is sent to the portal; an administrator makes theirs.
    client.force_login(contact_a)
    assert client.post(URL, {"name": "门户集成", "scope": "read_write"})["Location"] == "/portal/"
    assert not ApiToken.objects.exists()
    api = _api(create_token(user=contact_a, name="门户集成", scope=ApiToken.Scope.READ_WRITE).key)
    assert [row["number"] for row in api.get("/api/v1/cases/").json()["results"]] == [case_a.number]
    assert api.get(f"/api/v1/cases/{case_b.number}/").status_code == 404
    assert [c["id"] for c in api.get("/api/v1/customers/").json()["results"]] == [case_a.customer_id]


def test_page_speaks_english_on_request(client, engineer):
    engineer.language = "en"
    engineer.save()
    client.force_login(engineer)
    page = client.get(URL).content.decode()
    assert "Create token" in page


# --- Admin ---------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    return client


def test_admin_creates_a_token_for_anyone_and_shows_the_key_once(superuser_client, engineer):
    response = superuser_client.post(
        "/admin/api/apitoken/add/", {"user": engineer.pk, "name": "夜间巡检", "scope": "read"}
    )
    assert response.status_code == 200
    key = _key_on(response.content.decode())
    token = ApiToken.objects.get()
    assert token.user == engineer
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert _api(key).get("/api/v1/").status_code == 200
    change = superuser_client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert key not in change
    assert key not in superuser_client.get("/admin/api/apitoken/").content.decode()


def test_admin_revokes_with_an_action(superuser_client, engineer):
    new = create_token(user=engineer, name="x")
    superuser_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [new.token.pk]})
    assert ApiToken.objects.get().revoked_at is not None
    assert _api(new.key).get("/api/v1/").status_code == 401
