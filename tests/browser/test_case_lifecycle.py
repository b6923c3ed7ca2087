"""A case's life in a real browser: phone intake → engineer → department manager closes."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import expect

from aftersales.cases.models import Case, Severity, Status
from aftersales.cases.workflow import BY_ACTION
from tests.factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CASE_URL = re.compile(r"/cases/(CS\d{6}-\d{6})/$")


def zh(text) -> str:
    """What the interface shows for `text` in its default language."""
    with override("zh-hans"):
        return str(text)


@pytest.fixture
def caller(customer_a, equipment_a):
    return ContactFactory(customer=customer_a, name="王建国", mobile="13812345678")


def test_hotline_opens_engineer_resolves_manager_closes(
    open_browser, log_in, screenshot, agent, engineer, manager, caller, equipment_a
):
    # The hotline agent finds the caller by part of the mobile number and opens a case.
    page = log_in(open_browser(), agent)
    page.goto("/intake/")
    page.get_by_test_id("lookup").press_sequentially("1234567", delay=30)
    hit = page.get_by_test_id("lookup-results").get_by_role("link", name="王建国")
    expect(hit).to_be_visible()
    hit.click()
    form = page.get_by_test_id("intake-form")
    expect(form).to_be_visible()
    expect(form.locator("select[name=contact]")).to_have_value(str(caller.pk))
    form.locator("select[name=equipment]").select_option(str(equipment_a.pk))
    form.locator("[name=title]").fill("门诊楼交换机无法呼出")
    form.locator("[name=description]").fill("客户来电：门诊楼所有分机无法拨打外线，内线正常。")
    form.locator(f"input[name=severity][value={Severity.B}]").check()
    screenshot(page, "01-intake-filled")
    form.get_by_test_id("intake-submit").click()
    page.wait_for_url(CASE_URL)
    number = CASE_URL.search(page.url).group(1)
    expect(page.get_by_test_id("case-number")).to_have_text(number)
    expect(page.get_by_test_id("case-status")).to_have_text(zh(Status.NEW.label))
    screenshot(page, "02-case-opened-by-agent")
    case = Case.objects.get(number=number)
    assert (case.contact, case.equipment, case.severity, case.taken_by) == (caller, equipment_a, Severity.B, agent)

    # The engineer accepts, starts, resolves — and finds no way to close.
    page = log_in(open_browser(), engineer)
    page.goto(f"/cases/{number}/")
    status = page.get_by_test_id("case-status")
    page.locator("[data-action=accept]").click()
    expect(status).to_have_text(zh(Status.ACCEPTED.label))
    expect(page.get_by_test_id("case-owner")).to_contain_text(str(engineer))
    page.locator("[data-action=start]").click()
    expect(status).to_have_text(zh(Status.IN_PROGRESS.label))
    page.get_by_test_id("actions").locator("textarea[name=text]").fill("更换中继板后外线恢复，已与客户确认可正常呼出。")
    page.locator("[data-action=resolve]").click()
    expect(status).to_have_text(zh(Status.RESOLVED.label))
    expect(page.locator("[data-action=close]")).to_have_count(0)
    screenshot(page, "03-resolved-engineer-view")

    # Posting "close" anyway, as a crafted form submission, is refused with a clear message.
    with page.expect_navigation() as navigation:
        page.get_by_test_id("actions").evaluate(
            """form => {
                const forged = document.createElement("button");
                forged.name = "action";
                forged.value = "close";
                form.appendChild(forged);
                forged.click();
            }"""
        )
    assert navigation.value.status == 400
    with override("zh-hans"):
        refusal = gettext("Your role may not “%(action)s” a case.") % {"action": BY_ACTION["close"].label}
    expect(page.get_by_role("alert")).to_contain_text(refusal)
    expect(status).to_have_text(zh(Status.RESOLVED.label))
    screenshot(page, "04-engineer-close-refused")
    assert Case.objects.get(number=number).status == Status.RESOLVED

    # The department manager closes it.
    page = log_in(open_browser(), manager)
    page.goto(f"/cases/{number}/")
    page.locator("[data-action=close]").click()
    expect(page.get_by_test_id("case-status")).to_have_text(zh(Status.CLOSED.label))
    expect(page.locator("[data-action=close]")).to_have_count(0)
    screenshot(page, "05-closed-by-manager")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    assert list(case.events.filter(kind="status").order_by("at", "pk").values_list("to_status", "actor")) == [
        (Status.ACCEPTED, engineer.pk),
        (Status.IN_PROGRESS, engineer.pk),
        (Status.RESOLVED, engineer.pk),
        (Status.CLOSED, manager.pk),
    ]
