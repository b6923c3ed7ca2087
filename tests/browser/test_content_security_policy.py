"""Pages work under the Content-Security-Policy: chromium reports no violation on the staff
pages, the portal, the administration and Swagger UI, and their scripts still run."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def _watching(open_browser):
    page = open_browser()
    page.add_init_script(WATCH)
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return page, messages


def test_staff_pages_and_admin_run_without_violations(open_browser, log_in, make_user, case_a):
    admin = make_user(Role.ADMIN, Role.HOTLINE, username="admin", is_staff=True, is_superuser=True)
    page, messages = _watching(open_browser)
    log_in(page, admin)
    for path in [
        "/cases/",
        f"/cases/{case_a.number}/",
        "/intake/",
        "/account/tokens/",
        "/admin/",
        "/admin/accounts/user/",
    ]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert not _violations(page), (path, _violations(page))
    assert not messages, messages


def test_portal_runs_without_violations(open_browser, contact_a):
    page, messages = _watching(open_browser)
    page.goto("/portal/login/")
    page.locator("input[name=username]").fill(contact_a.username)
    page.locator("input[name=password]").fill("pw-demo-123")
    page.locator("main form button.primary").click()
    page.wait_for_url("**/portal/")
    for path in ["/portal/", "/portal/cases/new/", "/portal/register/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert not _violations(page), (path, _violations(page))
    assert not messages, messages


def test_swagger_ui_renders_under_the_policy(open_browser, db):
    page, messages = _watching(open_browser)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=20_000)
    assert page.locator(".opblock").count() > 5, "the operations are listed: the start-up script ran"
    assert not _violations(page) and not messages, (_violations(page), messages)


@pytest.mark.parametrize("path", ["/login/", "/portal/login/", "/admin/login/"])
def test_an_injected_inline_script_does_not_run(open_browser, db, path):
    page, _messages = _watching(open_browser)
    page.goto(path)
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in _violations(page))
