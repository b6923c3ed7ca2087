"""Rate limits (per token or user, per address) and request size limits, answered in the
API's error shape: real request sequences through the test client, a live server and gunicorn."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import include, path
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from aftersales.api.base import LanguageMixin
from aftersales.api.models import ApiToken
from aftersales.api.throttling import Rate, parse_rate
from aftersales.api.tokens import create_token
from aftersales.cases.models import Case
from tests.workers import worker_number


class UploadProbe(LanguageMixin, APIView):
    """A multipart endpoint (the API's own take JSON only) to reach Django's upload parser."""

    parser_classes = [MultiPartParser]

    def post(self, request):
        return Response({"fields": sorted(request.data.keys())})


urlpatterns = [
    path("api/upload-probe/", UploadProbe.as_view()),
    path("", include("aftersales.urls")),
]
probe_urls = pytest.mark.urls(__name__)


def _token_client(user, name="监控", **headers) -> APIClient:
    new = create_token(user=user, name=name, scope=ApiToken.Scope.READ_WRITE)
    return APIClient(headers={"Authorization": f"Token {new.key}", **headers})


def _statuses(client, n, url="/api/v1/cases/", **extra) -> list[int]:
    return [client.get(url, **extra).status_code for _ in range(n)]


# --- Rates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [("600/min", Rate(600, 60)), ("20/s", Rate(20, 1)), ("5000/hour", Rate(5000, 3600)), ("10/5min", Rate(10, 300))],
)
def test_rates_are_read_from_their_usual_spelling(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["off", "0", ""])
def test_a_rate_can_be_switched_off(text):
    assert parse_rate(text) is None


@pytest.mark.parametrize("text", ["600", "600/fortnight", "many/min", "-5/min"])
def test_a_mistyped_rate_is_refused_loudly(text):
    with pytest.raises(ImproperlyConfigured, match="API_RATE"):
        parse_rate(text, setting="API_RATE_PER_TOKEN")


def test_a_mistyped_rate_in_the_settings_stops_the_start_up(settings):
    from aftersales.api.limits import ApiLimitsMiddleware

    settings.API_RATE_PER_ADDRESS = "1200 per minute"
    with pytest.raises(ImproperlyConfigured, match="API_RATE_PER_ADDRESS"):
        ApiLimitsMiddleware(lambda request: None)


def test_token_over_its_rate_gets_429_with_retry_after(settings, engineer):
    settings.API_RATE_PER_TOKEN = "3/min"
    client = _token_client(engineer)
    assert _statuses(client, 3) == [200, 200, 200]
    response = client.get("/api/v1/cases/")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["fields"] == {}
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert body["message"] == f"请求过于频繁，请在 {wait} 秒后重试。"


def test_the_address_refusal_is_written_like_every_other_api_answer(settings, db):
    settings.API_RATE_PER_ADDRESS = "1/min"
    client = APIClient()
    client.get("/api/v1/")
    response = client.get("/api/v1/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "请求过于频繁".encode() in response.content  # UTF-8, as DRF writes it, not \u escapes


def test_throttled_message_follows_the_requested_language(settings, engineer):
    settings.API_RATE_PER_TOKEN = "1/min"
    client = _token_client(engineer, HTTP_ACCEPT_LANGUAGE="en")
    client.get("/api/v1/cases/")
    response = client.get("/api/v1/cases/", headers={"Accept-Language": "en"})
    assert response.status_code == 429
    assert response["Content-Language"] == "en"
    assert response.json()["message"].startswith("Too many requests. Please try again in ")


def test_retry_after_is_the_time_left_in_the_window(settings, engineer, time_machine):
    time_machine.move_to("2026-11-23 09:00:40+08:00", tick=False)
    settings.API_RATE_PER_TOKEN = "2/min"
    client = _token_client(engineer)
    assert _statuses(client, 3) == [200, 200, 429]
    assert client.get("/api/v1/cases/")["Retry-After"] == "20"
    time_machine.move_to("2026-11-23 09:01:00+08:00", tick=False)
    assert _statuses(client, 3) == [200, 200, 429]


def test_two_tokens_have_separate_budgets(settings, engineer):
    settings.API_RATE_PER_TOKEN = "2/min"
    first, second = _token_client(engineer, "甲"), _token_client(engineer, "乙")
    assert _statuses(first, 3) == [200, 200, 429]
    assert _statuses(second, 2) == [200, 200]
    assert first.get("/api/v1/cases/").status_code == 429


def test_a_browser_session_has_a_budget_per_user(settings, api):
    settings.API_RATE_PER_TOKEN = "2/min"
    assert _statuses(api("engineer"), 3) == [200, 200, 429]
    assert _statuses(api("agent"), 2) == [200, 200]


def test_address_budget_counts_even_refused_logins(settings, db):
    settings.API_RATE_PER_ADDRESS = "3/min"
    client = APIClient(headers={"Authorization": "Token 0000.wrong"})
    assert _statuses(client, 4) == [401, 401, 401, 429]
    response = client.get("/api/v1/customers/")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_two_addresses_have_separate_budgets(settings, engineer):
    settings.API_RATE_PER_ADDRESS = "2/min"
    client = _token_client(engineer)
    assert _statuses(client, 3, REMOTE_ADDR="203.0.113.7") == [200, 200, 429]
    assert _statuses(client, 2, REMOTE_ADDR="198.51.100.9") == [200, 200]


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(settings, db):
    settings.API_RATE_PER_ADDRESS = "2/min"
    client = APIClient()
    # A client making up a new X-Forwarded-For each time gains nothing.
    statuses = [client.get("/api/v1/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 429]


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings, db):
    settings.API_RATE_PER_ADDRESS = "2/min"
    settings.API_TRUSTED_PROXIES = 1
    client = APIClient()

    def through_proxy(claimed, seen):
        return client.get("/api/v1/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"{claimed}, {seen}").status_code

    # What the client itself claims (left) changes nothing; what our proxy saw (right) does.
    assert [through_proxy(f"1.1.1.{n}", "203.0.113.7") for n in range(3)] == [401, 401, 429]
    assert through_proxy("1.1.1.1", "198.51.100.9") == 401


def test_ipv6_clients_share_a_budget_per_64(settings, db):
    settings.API_RATE_PER_ADDRESS = "2/min"
    client = APIClient()
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:abcd::9"]
    assert [client.get("/api/v1/", REMOTE_ADDR=a).status_code for a in addresses] == [401, 401, 429]
    assert client.get("/api/v1/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 401


def test_pages_are_not_rate_limited_by_the_api_budget(settings, engineer, client):
    settings.API_RATE_PER_ADDRESS = "1/min"
    client.force_login(engineer)
    assert [client.get("/cases/").status_code for _ in range(3)] == [200, 200, 200]


def test_rates_switched_off_never_throttle(settings, engineer):
    settings.API_RATE_PER_TOKEN = "off"
    settings.API_RATE_PER_ADDRESS = "off"
    assert set(_statuses(_token_client(engineer), 20)) == {200}


@pytest.fixture
def redis_cache(settings, request):
    """The production cache: Redis on 127.0.0.1:6379, database 15 (14 for the xdist worker gw1,
    ...), empty before and after."""
    redis = pytest.importorskip("redis")
    database = 15 - worker_number(request.config)
    connection = redis.Redis(host="127.0.0.1", port=6379, db=database)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:6379/{database}",
            "KEY_PREFIX": "aftersales",
        }
    }
    yield connection
    connection.flushdb()
    connection.close()


def test_budgets_are_kept_in_redis(settings, engineer, redis_cache):
    settings.API_RATE_PER_TOKEN = "2/min"
    settings.API_RATE_PER_ADDRESS = "4/min"
    first, second = _token_client(engineer, "甲"), _token_client(engineer, "乙")
    assert _statuses(first, 3) == [200, 200, 429]
    assert int(first.get("/api/v1/cases/")["Retry-After"]) >= 1  # the address's 4th request
    keys = sorted(key.decode() for key in redis_cache.keys("*"))
    assert any(":throttle:token:" in key for key in keys)
    assert any(":throttle:address:127.0.0.1:" in key for key in keys)
    # The address has spent its four; the second token is refused by the address budget.
    assert second.get("/api/v1/cases/").status_code == 429
    assert second.get("/api/v1/cases/", REMOTE_ADDR="198.51.100.9").status_code == 200
    # The counter lives only a little longer than its window.
    assert all(0 < redis_cache.ttl(key) <= 65 for key in keys if ":throttle:" in key)


# --- Sizes -------------------------------------------------------------------------------


def _case_json(size: int) -> bytes:
    body = {"customer": 999_999, "title": "大报文", "description": ""}
    padding = size - len(json.dumps(body).encode())
    body["description"] = "x" * padding
    data = json.dumps(body).encode()
    assert len(data) == size
    return data


def test_json_body_over_the_limit_is_413_naming_the_limit(settings, agent):
    settings.API_MAX_BODY_BYTES = 1024
    client = _token_client(agent)
    response = client.generic("POST", "/api/v1/cases/", _case_json(1025), content_type="application/json")
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert body["message"] == "请求过大：此处最多可发送 1.0\u00a0KB。"
    assert not Case.objects.exists()


def test_json_body_at_the_limit_is_read(settings, agent, customer_a):
    settings.API_MAX_BODY_BYTES = 1024
    client = _token_client(agent)
    response = client.generic("POST", "/api/v1/cases/", _case_json(1024), content_type="application/json")
    assert response.status_code == 400  # read and judged: there is no such customer
    assert response.json()["code"] == "invalid"


def test_oversized_body_is_refused_before_authentication(settings, db):
    settings.API_MAX_BODY_BYTES = 1024
    response = APIClient().generic("POST", "/api/v1/cases/", _case_json(4096), content_type="application/json")
    assert response.status_code == 413


def test_too_large_message_in_english(settings, agent):
    settings.API_MAX_BODY_BYTES = 2048
    client = _token_client(agent)
    response = client.generic("POST", "/api/v1/cases/?lang=en", _case_json(4096), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["message"] == "The request is too large: at most 2.0\u00a0KB may be sent here."


@probe_urls
def test_uploads_may_be_as_large_as_an_attachment_plus_margin(settings, agent):
    settings.API_MAX_BODY_BYTES = 1024
    settings.ATTACHMENT_MAX_BYTES = 4096
    client = _token_client(agent)
    small = client.post("/api/upload-probe/", {"file": _file(3000), "note": "x"}, format="multipart")
    assert small.status_code == 200, small.content
    assert small.json() == {"fields": ["file", "note"]}
    large = client.post("/api/upload-probe/", {"file": _file(4096 + 1024 * 1024 + 1)}, format="multipart")
    assert large.status_code == 413
    assert large.json()["message"] == "请求过大：此处最多可发送 1.0\u00a0MB。"


@probe_urls
def test_form_fields_past_djangos_memory_limit_are_413_not_400(settings, agent):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = _token_client(agent)
    response = client.post("/api/upload-probe/", {"note": "长" * 200}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.json()["message"] == "请求过大：此处最多可发送 100\u00a0字节。"


def test_a_page_with_an_oversized_form_answers_400_not_500(settings, client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 400


def _file(size: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("log.txt", b"a" * size, content_type="text/plain")


# --- Over real sockets ---------------------------------------------------------------------


def _post(base_url: str, path: str, body, headers: dict, **kwargs):
    url = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers=headers, **kwargs)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _chunks(total: int, size: int = 16 * 1024):
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


@pytest.mark.django_db(transaction=True)
def test_live_server_refuses_a_declared_oversized_body(settings, live_server):
    settings.API_MAX_BODY_BYTES = 64 * 1024
    status, headers, body = _post(
        live_server.url, "/api/v1/cases/", _case_json(200 * 1024), {"Content-Type": "application/json"}
    )
    assert status == 413
    assert json.loads(body)["code"] == "too_large"
    assert headers["Content-Language"] == "zh-hans"


@pytest.mark.django_db(transaction=True)
def test_live_server_answers_before_a_huge_body_is_sent(settings, live_server):
    """Only the headers (claiming 500 MB) go out; the 413 comes back without the body."""
    url = urllib.parse.urlsplit(live_server.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/cases/ HTTP/1.1\r\nHost: testserver\r\nContent-Type: application/json\r\n"
            b"Content-Length: 500000000\r\n\r\n{"
        )
        reply = b""
        while b"too_large" not in reply and (data := sock.recv(65536)):
            reply += data
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b'"code":"too_large"' in reply


@pytest.mark.django_db(transaction=True)
def test_live_server_does_not_take_a_chunked_body_for_an_empty_one(live_server):
    """Django's own server cannot read chunked bodies: a clear 411, not a body read as empty."""
    url = urllib.parse.urlsplit(live_server.url)
    payload = json.dumps({"title": "t", "description": "d"}).encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/cases/ HTTP/1.1\r\nHost: testserver\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n\r\n"
        )
        reply = b""
        while b"}" not in reply and (data := sock.recv(65536)):
            reply += data
    assert reply.startswith(b"HTTP/1.1 411 ")
    assert b'"code":"length_required"' in reply


# gunicorn, the production server, hands chunked bodies on: those are read up to the limit.

GUNICORN_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    root = Path(__file__).resolve().parents[2]
    var = tmp_path_factory.mktemp("gunicorn-var")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "TEST_DATABASE_NAME"}}
    env.update(
        AFTERSALES_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        API_MAX_BODY_BYTES=str(GUNICORN_LIMIT),
        ALLOWED_HOSTS="127.0.0.1",
    )
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=root, env=env, check=True)
    make_token = (
        "from django.contrib.auth.models import Group; from aftersales.accounts.models import User;"
        "from aftersales.api.tokens import create_token;"
        "u = User.objects.create(username='agent'); u.groups.add(Group.objects.get(name='hotline'));"
        "print(create_token(user=u, name='t', scope='read_write').key)"
    )
    key = subprocess.run(
        [*manage, "shell", "-c", make_token], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-1]  # the shell may greet first
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "aftersales.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", key
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_refuses_a_chunked_body_past_the_limit(gunicorn):
    url, key = gunicorn
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}", "Transfer-Encoding": "chunked"}
    status, _headers, body = _post(url, "/api/v1/cases/", _chunks(GUNICORN_LIMIT + 1), headers, encode_chunked=True)
    assert status == 413
    assert json.loads(body) == {"code": "too_large", "message": "请求过大：此处最多可发送 64.0\u00a0KB。", "fields": {}}


def test_gunicorn_reads_a_chunked_body_within_the_limit(gunicorn):
    url, key = gunicorn
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}", "Transfer-Encoding": "chunked"}
    status, _headers, body = _post(
        url, "/api/v1/cases/", iter([b'{"title": ', b"[broken"]), headers, encode_chunked=True
    )
    assert (status, json.loads(body)["code"]) == (400, "parse_error")  # the body reached the parser
    payload = json.dumps({"customer": 999, "title": "t", "description": "d"}).encode()
    status, _headers, body = _post(
        url, "/api/v1/cases/", iter([payload[:10], payload[10:]]), headers, encode_chunked=True
    )
    assert status == 400
    assert "customer" in json.loads(body)["fields"]


def test_gunicorn_refuses_a_declared_oversized_body(gunicorn):
    url, key = gunicorn
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}
    status, _headers, body = _post(url, "/api/v1/cases/", _case_json(GUNICORN_LIMIT + 1), headers)
    assert (status, json.loads(body)["code"]) == (413, "too_large")
