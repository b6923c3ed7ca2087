"""Headers: a Content-Security-Policy on every answer (no inline script anywhere), HSTS and
secure cookies behind a TLS proxy."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from aftersales.accounts.roles import Role

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "aftersales" / "settings.py"
TEMPLATE_DIRS = sorted(Path(django_settings.BASE_DIR, "aftersales").glob("**/templates"))
# <script> without src, inline event handlers (onclick=, onload= …), javascript: URLs.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def _policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy.get("default-src") == "default-src 'self'", response.headers.get("Content-Security-Policy")
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert policy.get("frame-ancestors") == "frame-ancestors 'none'"
    assert policy.get("object-src") == "object-src 'none'"


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, username="admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("agent", "/cases/", 200),
        (None, "/login/", 200),
        ("contact_a", "/portal/", 200),
        (None, "/portal/login/", 200),
        (None, "/portal/register/", 200),
        ("admin_user", "/admin/", 200),
        (None, "/admin/login/", 200),
        ("agent", "/api/v1/cases/", 200),
        (None, "/api/v1/cases/", 401),
        (None, "/api/docs/", 200),
        (None, "/no-such-page/", 404),
    ],
)
def test_every_answer_carries_the_content_security_policy(client, request, who, path, status):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(path)
    assert response.status_code == status
    _assert_strict(response)


def test_swagger_ui_starts_from_a_script_file(client, db):
    page = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page)
    (script_url,) = [u for u in re.findall(r'<script src="([^"]+)"', page) if "script" in u.split("?")[-1]]
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_no_template_contains_inline_script():
    assert TEMPLATE_DIRS, "templates were found"
    offenders = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
                if INLINE_SCRIPT.search(line):
                    offenders.append(f"{template}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    ["<script>alert(1)</script>", '<button onclick="go()">', '<a href="javascript:go()">', '<body onload="x()">'],
)
def test_the_inline_script_check_recognises_inline_script(line):
    assert INLINE_SCRIPT.search(line)


@pytest.mark.parametrize("line", ['<script src="/static/app.js" defer></script>', '<p class="online">'])
def test_the_inline_script_check_allows_script_files(line):
    assert not INLINE_SCRIPT.search(line)


def _settings_with(monkeypatch, **env) -> dict:
    for name in ("BEHIND_TLS_PROXY", "SECURE_COOKIES", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_behind_a_tls_proxy_hsts_and_secure_cookies_are_on(monkeypatch):
    values = _settings_with(monkeypatch, BEHIND_TLS_PROXY="1")
    assert values["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_SSL_REDIRECT"]


def test_without_a_tls_proxy_the_demo_works_over_plain_http(monkeypatch):
    values = _settings_with(monkeypatch)
    assert not values.get("SECURE_HSTS_SECONDS") and not values["SESSION_COOKIE_SECURE"]


def test_secure_cookies_can_still_be_turned_off_explicitly(monkeypatch):
    assert not _settings_with(monkeypatch, BEHIND_TLS_PROXY="1", SECURE_COOKIES="0")["SESSION_COOKIE_SECURE"]


def test_answers_over_tls_carry_hsts_and_a_secure_session_cookie(client, agent, settings, monkeypatch):
    values = _settings_with(monkeypatch, BEHIND_TLS_PROXY="1")
    for name in ("SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        setattr(settings, name, values[name])
    settings.SECURE_SSL_REDIRECT = values["SECURE_SSL_REDIRECT"]

    plain = client.get("/login/", HTTP_X_FORWARDED_PROTO="http")
    response = client.post(
        "/login/", {"username": "agent", "password": "pw-demo-123"}, HTTP_X_FORWARDED_PROTO="https", secure=True
    )

    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.cookies["sessionid"]["secure"]
    language = client.post("/language/", {"language": "en"}, HTTP_X_FORWARDED_PROTO="https", secure=True)
    assert language.cookies["aftersales_language"]["secure"]
