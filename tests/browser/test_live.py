"""Live pages in a real browser: a case opened by one person appears on another's queue and
dispatch board without a reload, a note appears on a case page without touching the form
someone is typing in, countdowns tick and turn red, and a hidden tab stops asking."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Case, Severity
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CASE_URL = re.compile(r"/cases/(CS\d{6}-\d{6})/$")
POLL = re.compile(r"[?&]partial=live")


@pytest.fixture(autouse=True)
def _ask_every_second(settings):
    settings.LIVE_POLL_SECONDS = 1


def _stay_on_this_page(page):
    """Mark the page: the mark is gone if the page reloads."""
    page.evaluate("window.__notReloaded = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def _open_case_at_the_desk(page, equipment) -> str:
    """The hotline agent logs a call through the phone intake page."""
    page.goto("/intake/")
    page.get_by_test_id("lookup").press_sequentially("1234567", delay=30)
    page.get_by_test_id("lookup-results").get_by_role("link", name="王建国").click()
    form = page.get_by_test_id("intake-form")
    form.locator("select[name=equipment]").select_option(str(equipment.pk))
    form.locator("[name=title]").fill("门诊楼交换机无法呼出")
    form.locator("[name=description]").fill("客户来电：门诊楼所有分机无法拨打外线。")
    form.locator(f"input[name=severity][value={Severity.C}]").check()
    form.get_by_test_id("intake-submit").click()
    page.wait_for_url(CASE_URL)
    return CASE_URL.search(page.url).group(1)


def test_a_case_opened_at_the_desk_appears_on_another_queue_and_the_board(
    open_browser, log_in, screenshot, agent, engineer, make_user, customer_a, equipment_a
):
    ContactFactory(customer=customer_a, name="王建国", mobile="13812345678")
    watcher = log_in(open_browser(), engineer)
    _stay_on_this_page(watcher)
    # Something typed in the filters, not yet applied, survives the update.
    watcher.get_by_test_id("queue-filters").locator("input[name=q]").fill("还没提交的搜索")
    duty = log_in(open_browser(), make_user(Role.DUTY_MANAGER, username="duty"))
    duty.goto("/dispatch/")
    _stay_on_this_page(duty)
    expect(duty.get_by_test_id("unassigned-count")).to_have_text("0")

    number = _open_case_at_the_desk(log_in(open_browser(), agent), equipment_a)

    expect(watcher.get_by_test_id("queue").get_by_role("link", name=number)).to_be_visible(timeout=10_000)
    assert _not_reloaded(watcher), "the queue updated in place"
    expect(watcher.get_by_test_id("queue-filters").locator("input[name=q]")).to_have_value("还没提交的搜索")
    screenshot(watcher, "live-queue-updated")

    expect(duty.get_by_test_id("unassigned").get_by_role("link", name=number)).to_be_visible(timeout=10_000)
    expect(duty.get_by_test_id("unassigned-count")).to_have_text("1")
    assert _not_reloaded(duty), "the board updated in place"


def test_a_note_appears_on_the_case_page_and_the_form_being_typed_in_is_kept(
    open_browser, log_in, engineer, agent, case_a
):
    page = log_in(open_browser(), engineer)
    page.goto(f"/cases/{case_a.number}/")
    _stay_on_this_page(page)
    actions = page.get_by_test_id("actions")
    actions.locator("textarea[name=text]").fill("正在写的处理意见")

    services.add_comment(case=case_a, by=agent, text="客户来电补充：故障从昨晚开始。", public=False)

    expect(page.get_by_test_id("timeline")).to_contain_text("客户来电补充：故障从昨晚开始。", timeout=10_000)
    assert _not_reloaded(page)
    expect(actions.locator("textarea[name=text]")).to_have_value("正在写的处理意见")


def test_countdowns_tick_and_turn_red_when_breached(open_browser, log_in, screenshot, engineer, case_a):
    Case.objects.filter(pk=case_a.pk).update(next_due_at=timezone.now() + dt.timedelta(minutes=3))
    page = open_browser()
    page.clock.install()  # the page's own clock, moved forward below; the server's is real
    log_in(page, engineer)
    _stay_on_this_page(page)
    pill = page.get_by_test_id("queue").get_by_test_id("due").locator(".pill")
    expect(pill).to_have_text(re.compile(r"^剩余 [23] 分钟$"))
    expect(pill).to_have_class(re.compile(r"\bpill-amber\b"))
    # The browser counts down from the due time in the markup, without the server.
    page.clock.run_for("01:30")
    expect(pill).to_have_text(re.compile(r"^剩余 [01] 分钟$"))
    page.clock.run_for("02:00")
    expect(pill).to_have_text(re.compile(r"^已超时 [01] 分钟$"))
    expect(pill).to_have_class(re.compile(r"\bpill-red\b"))
    page.clock.run_for("10:00")
    expect(pill).to_have_text(re.compile(r"^已超时 1[01] 分钟$"))
    assert _not_reloaded(page)
    screenshot(page, "live-countdown-breached")


def test_a_hidden_tab_stops_asking(open_browser, log_in, engineer, case_a):
    page = log_in(open_browser(), engineer)
    polls = []
    page.on("request", lambda request: polls.append(request.url) if POLL.search(request.url) else None)
    page.wait_for_timeout(2500)
    assert polls, "a visible page asks"
    assert all("partial=live" in url for url in polls)
    page.evaluate(
        """() => {
            Object.defineProperty(document, "hidden", { value: true, configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    page.wait_for_timeout(300)
    asked = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) == asked, "a hidden page does not ask"
    page.evaluate(
        """() => {
            Object.defineProperty(document, "hidden", { value: false, configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    page.wait_for_timeout(1500)
    assert len(polls) > asked, "it asks again when shown"
