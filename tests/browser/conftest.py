"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Playwright is never asked to download a browser; the system chromium is launched instead.
Screenshots land in test-artifacts/screenshots/ (and one per open page when a test fails).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running on the test thread; Django would
# otherwise refuse the test's own (synchronous) database calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pw-demo-123"  # tests.factories.UserFactory
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def chromium(django_db_setup, django_db_blocker):
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    # A 2-core CI machine running the suite and a live server at once can be slow to answer.
    expect.set_options(timeout=20_000)

    # Once Playwright's loop runs, Django hands this thread a second set of connection
    # objects (its "async" storage). Give them the snapshot that serialized_rollback
    # restores after each transactional test, or data seeded by migrations is lost.
    snapshots = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            if snapshot is not None:
                connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        with django_db_blocker.unblock():
            connections.close_all()  # else the test database cannot be dropped


@pytest.fixture
def screenshot():
    """`screenshot(page, "name")` saves a full-page PNG and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def open_browser(request, chromium, live_server) -> Iterator:
    """`open_browser(viewport=...)` gives a fresh page in its own context (own cookies),
    speaking the interface's default language; every page is closed after the test."""
    pages = []

    def make(viewport: dict | None = None, **options):
        context = chromium.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **options,
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield make

    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, page in enumerate(pages):
            try:
                page.screenshot(path=str(SCREENSHOTS / f"FAILED-{stem}-{n}.png"), full_page=True)
            except Exception:  # the page may be gone; the failure itself is what matters
                pass
    for page in pages:
        page.context.close()


@pytest.fixture
def log_in():
    """`log_in(page, user)` signs in through the login form and waits for the queue (staff)
    or the portal (customer contacts)."""

    def do(page, user):
        page.goto("/login/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button.primary").click()
        page.wait_for_url(re.compile(r"/(cases|portal)/$"))
        return page

    return do
