"""The customer portal in a real browser, on a phone-sized screen: customer A opens a case,
replies with a file and confirms the resolution; customer B cannot reach A's case by URL, by
the API or by the attachment link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, Status
from tests.browser.conftest import MOBILE, PASSWORD
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _contact(make_user, customer, username):
    user = make_user(Role.CUSTOMER, username=username)
    ContactFactory(customer=customer, user=user, name=f"{username} 联系人")
    return user


def _portal_log_in(page, user):
    page.goto("/portal/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(r"/portal/$"))
    return page


def _fits(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{what} is {width}px wide on a {MOBILE['width']}px screen"


def test_customer_a_opens_replies_confirms_and_customer_b_is_kept_out(
    open_browser, screenshot, make_user, customer_a, customer_b, equipment_a, engineer, manager, tmp_path
):
    alice = _contact(make_user, customer_a, "alice")
    bob = _contact(make_user, customer_b, "bob")

    # A opens a C case from a phone.
    page = _portal_log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), alice)
    expect(page.locator("h1")).to_have_text("我的案例")
    page.get_by_role("link", name="报障").first.click()
    form = page.get_by_test_id("portal-new-case")
    expect(form.get_by_test_id("hotline-box")).to_contain_text("400-820-8820")
    form.locator("select[name=equipment]").select_option(str(equipment_a.pk))
    form.locator("input[name=severity][value=C]").check()
    form.locator("input[name=title]").fill("门诊楼三层分机无法外呼")
    form.locator("textarea[name=description]").fill("三层护士站所有分机拨外线无声，内线正常。")
    screenshot(page, "portal-01-new-case-mobile")
    _fits(page, "the new-case form")
    form.get_by_role("button", name="提交").click()

    expect(page.get_by_test_id("case-number")).to_have_text(re.compile(r"CS\d{6}-\d{6}"))
    number = page.get_by_test_id("case-number").inner_text()
    case = Case.objects.get(number=number)
    assert (case.customer, case.contact, case.channel) == (customer_a, alice.contact, "web")
    expect(page.get_by_test_id("case-status")).to_have_text("新建")

    # A replies with a file.
    log = tmp_path / "话单.txt"
    log.write_text("2026-11-22 09:12 8301 → 021-6123 4567 无声", encoding="utf-8")
    reply = page.get_by_test_id("reply-form")
    reply.locator("textarea[name=text]").fill("今天上午九点后又出现，附话单。")
    reply.locator("input[name=attachments]").set_input_files(str(log))
    reply.get_by_role("button", name="发送回复").click()
    expect(page.get_by_text("回复已发送。")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("今天上午九点后又出现")
    expect(timeline.get_by_role("link", name="话单.txt")).to_be_visible()

    # The desk works the case, with an internal note the customer never sees.
    services.add_comment(case=case, by=engineer, text="内部：疑似中继板故障，备件库有货", public=False)
    for action in ("accept", "start"):
        services.transition(case=case, action=action, by=engineer)
    services.transition(case=case, action="resolve", by=engineer, text="更换三层配线架模块后恢复。")

    # A confirms the resolution.
    page.reload()
    expect(page.get_by_test_id("case-status")).to_have_text("已解决，待客户确认")
    expect(timeline).to_contain_text("更换三层配线架模块后恢复")
    expect(page.get_by_text("内部：疑似中继板故障")).to_have_count(0)
    screenshot(page, "portal-02-case-resolved-mobile")
    _fits(page, "the case page")
    page.get_by_role("button", name="是，确认已解决").click()
    expect(page.get_by_text("谢谢，您已确认解决结果。")).to_be_visible()
    expect(page.get_by_test_id("confirmation")).to_have_count(0)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.customer_confirmed_at is not None
    services.transition(case=case, action="close", by=manager)

    # B cannot reach A's case: portal URL, API, attachment link.
    attachment = Attachment.objects.get(case=case, name="话单.txt")
    other = _portal_log_in(open_browser(), bob)
    expect(other.get_by_test_id("portal-cases")).not_to_contain_text(number)
    assert other.goto(f"/portal/cases/{number}/").status == 404
    assert other.goto(f"/api/v1/cases/{number}/").status == 404
    assert other.goto(f"/attachments/{attachment.pk}/{attachment.name}").status == 404
    api_list = other.goto("/api/v1/cases/?status=all")
    assert api_list.status == 200 and number not in api_list.text()
    # ... while A still can.
    assert page.goto(f"/attachments/{attachment.pk}/{attachment.name}").status == 200
