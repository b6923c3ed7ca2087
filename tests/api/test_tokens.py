"""API tokens: the key is shown once and stored only as its SHA-256; revoked and read-only
tokens are refused where they must be."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token, revoke_token
from aftersales.core.errors import DomainError


def _client(key: str) -> APIClient:
    return APIClient(headers={"Authorization": f"Token {key}"})


def test_only_the_hash_of_the_key_is_stored(engineer):
    new = create_token(user=engineer, name="监控系统", scope=ApiToken.Scope.READ_WRITE)
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(new.key.encode()).hexdigest()
    assert new.key.startswith(token.prefix)
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    assert not any(new.key in value or new.key.split(".", 1)[1] in value for value in stored)


def test_valid_token_reads_and_records_its_use(engineer, case_a):
    new = create_token(user=engineer, name="报表")
    response = _client(new.key).get("/api/v1/cases/")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [case_a.number]
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_is_refused(engineer):
    new = create_token(user=engineer, name="旧")
    revoke_token(token=new.token)
    response = _client(new.key).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("mangle", [lambda k: k + "x", lambda k: "0000" + k[4:], lambda k: k.split(".")[0]])
def test_wrong_key_is_refused(engineer, mangle):
    new = create_token(user=engineer, name="x")
    assert _client(mangle(new.key)).get("/api/v1/cases/").status_code == 401


def test_inactive_user_token_is_refused(engineer):
    new = create_token(user=engineer, name="x")
    engineer.is_active = False
    engineer.save()
    assert _client(new.key).get("/api/v1/cases/").status_code == 401


def test_read_only_token_cannot_write(engineer, case_a):
    new = create_token(user=engineer, name="只读")
    client = _client(new.key)
    response = client.post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.get(f"/api/v1/cases/{case_a.number}/").status_code == 200


def test_read_write_token_writes_without_csrf(engineer, case_a):
    new = create_token(user=engineer, name="集成", scope=ApiToken.Scope.READ_WRITE)
    client = APIClient(enforce_csrf_checks=True, headers={"Authorization": f"Token {new.key}"})
    response = client.post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "自动巡检正常"}, format="json")
    assert response.status_code == 201


def test_no_credentials_is_401_with_a_challenge(db):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_token_needs_a_name_and_a_known_scope(engineer):
    with pytest.raises(DomainError):
        create_token(user=engineer, name=" ")
    with pytest.raises(DomainError):
        create_token(user=engineer, name="x", scope="admin")


def test_management_command_prints_the_key_once(engineer):
    out = StringIO()
    call_command("create_api_token", "engineer", "--name", "监控", "--scope", "read_write", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.user) == ("监控", "read_write", engineer)
    assert _client(key).get("/api/v1/").status_code == 200


def test_admin_lists_tokens_without_the_hash_leaking_a_key(admin_client, engineer):
    new = create_token(user=engineer, name="监控")
    response = admin_client.get("/admin/api/apitoken/")
    assert response.status_code == 200
    assert new.token.prefix in response.content.decode()
    assert new.key not in response.content.decode()


def test_last_use_is_written_at_most_once_a_minute(engineer, time_machine):
    time_machine.move_to("2026-11-23 09:00:00+08:00", tick=False)
    new = create_token(user=engineer, name="x")
    client = _client(new.key)
    client.get("/api/v1/")
    first = ApiToken.objects.get().last_used_at
    time_machine.move_to("2026-11-23 09:00:30+08:00", tick=False)
    client.get("/api/v1/")
    assert ApiToken.objects.get().last_used_at == first
    time_machine.move_to("2026-11-23 09:01:30+08:00", tick=False)
    client.get("/api/v1/")
    assert ApiToken.objects.get().last_used_at > first


def test_session_writes_need_the_csrf_token(engineer, case_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(engineer)
    response = client.post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
