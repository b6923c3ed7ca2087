"""The queue and a case page on a phone-sized screen (390×844)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aftersales.cases.models import Severity
from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_queue_and_case_fit_a_phone_screen(
    open_browser, log_in, screenshot, engineer, open_case, customer_a, customer_b
):
    cases = [
        open_case(customer_a, severity=Severity.A, title="核心交换机宕机，全院电话中断"),
        open_case(customer_a, severity=Severity.B, title="呼叫中心坐席无法登录"),
        open_case(customer_b, severity=Severity.C, title="营业厅分机偶发杂音"),
        open_case(customer_b, severity=Severity.D, title="语音信箱提示音需要更新"),
    ]

    page = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), engineer)
    queue = page.get_by_test_id("queue")
    for case in cases:
        expect(queue.get_by_role("link", name=case.number)).to_be_visible()
    # Nothing sticks out sideways: the page is no wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "06-mobile-queue")
    assert width <= MOBILE["width"], f"the queue is {width}px wide on a {MOBILE['width']}px screen"

    queue.get_by_role("link", name=cases[0].number).click()
    expect(page.get_by_test_id("case-number")).to_have_text(cases[0].number)
    screenshot(page, "07-mobile-case")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the case page is {width}px wide on a {MOBILE['width']}px screen"
