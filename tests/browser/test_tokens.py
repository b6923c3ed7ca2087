"""A person makes an API token on their own page, copies it, uses it, and revokes it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from aftersales.api.models import ApiToken
from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _call_api(base_url: str, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base_url}/api/v1/cases/", headers={"Authorization": f"Token {key}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_create_copy_use_and_revoke_a_token(open_browser, log_in, screenshot, live_server, engineer, case_a):
    page = log_in(open_browser(permissions=["clipboard-read", "clipboard-write"]), engineer)
    page.get_by_test_id("menu-tokens").click()
    expect(page.get_by_role("heading", name="API 令牌")).to_be_visible()

    page.get_by_label("名称").fill("监控系统")
    page.get_by_label("读写").check()
    page.get_by_role("button", name="创建令牌").click()
    key_field = page.get_by_test_id("new-key")
    expect(key_field).to_be_visible()
    key = key_field.input_value()
    token = ApiToken.objects.get(user=engineer)
    assert key.startswith(token.prefix + ".") and token.scope == "read_write"
    screenshot(page, "30-token-created")

    page.get_by_role("button", name="复制").click()
    expect(page.get_by_role("button", name="已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key

    status, body = _call_api(live_server.url, key)
    assert status == 200
    assert [row["number"] for row in body["results"]] == [case_a.number]

    # Shown once: coming back shows the prefix only.
    page.goto("/account/tokens/")
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    row = page.locator(f"tr[data-token='{token.prefix}']")
    expect(row).to_contain_text("监控系统")
    assert key not in page.content()

    row.get_by_role("link", name="吊销").click()
    expect(page.get_by_text("此操作无法撤销")).to_be_visible()
    page.get_by_test_id("confirm-revoke").click()
    expect(page.get_by_role("status")).to_contain_text("已吊销")
    expect(row).to_contain_text("已于")

    status, body = _call_api(live_server.url, key)
    assert status == 401
    assert body["code"] == "authentication_failed" and set(body) == {"code", "message", "fields"}


def test_token_page_fits_a_phone(open_browser, log_in, screenshot, engineer):
    page = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), engineer)
    page.goto("/account/tokens/")
    page.get_by_label("名称").fill("门户对接")
    page.get_by_role("button", name="创建令牌").click()
    expect(page.get_by_test_id("new-key")).to_be_visible()
    expect(page.locator("tr[data-token]")).to_have_count(1)
    screenshot(page, "31-mobile-tokens")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the token page is {width}px wide on a {MOBILE['width']}px screen"
