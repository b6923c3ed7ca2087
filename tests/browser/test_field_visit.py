"""An on-site visit in the browser: a manager dispatches from the case page, the engineer works
it on a phone (390 px): departs, checks in (with the position the browser gives), has the
symptom confirmed, completes, writes the report — the draft survives a reload — has the
customer sign with a finger, checks out; the PDF is produced."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.documents.models import Document
from aftersales.documents.services import render_document
from aftersales.field.models import ServiceReport, Visit
from tests.browser.conftest import MOBILE
from tests.documents.pdf import pdf_text, stored_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{what} is {width}px wide on a {MOBILE['width']}px screen"


def _sign(page, test_id: str) -> None:
    pad = page.get_by_test_id(test_id)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * box["width"] / 14, y + box["height"] * (0.3 if step % 2 else 0.7))
    page.mouse.up()


def test_dispatch_check_in_sign_and_check_out_on_a_phone(
    open_browser, log_in, screenshot, manager, engineer, case_a, customer_a
):
    # The manager sends the engineer from the case page.
    desk = log_in(open_browser(), manager)
    desk.goto(f"/cases/{case_a.number}/")
    desk.locator("[data-action=dispatch]").click()
    desk.get_by_label(str(engineer)).check()
    desk.locator("input[name=planned_departure_at]").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    desk.locator("input[name=purpose]").fill("更换中继板")
    desk.get_by_test_id("dispatch-form").locator("button.primary").click()
    expect(desk.get_by_test_id("visit-status")).to_have_text("已安排")
    visit = Visit.objects.get()

    # The engineer, on a phone that shares its position.
    phone = open_browser(
        viewport=MOBILE,
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": 31.2304, "longitude": 121.4737, "accuracy": 15},
    )
    log_in(phone, engineer)
    phone.goto("/field/")
    phone.get_by_test_id(f"visit-{visit.pk}").click()
    _fits(phone, "the visit page")
    phone.locator("[data-action=depart]").click()
    expect(phone.get_by_test_id("visit-status")).to_have_text("在途")
    phone.locator("[data-action=arrive]").click()
    expect(phone.get_by_test_id("visit-status")).to_have_text("现场")
    expect(phone.get_by_test_id("arrived-at")).to_contain_text("31.2304")
    # No check-out before the customer confirmed the result: the page says why.
    expect(phone.locator("[data-action=check_out]")).to_have_count(0)
    expect(phone.get_by_test_id("checkout-hint")).to_be_visible()
    screenshot(phone, "field-01-on-site")

    symptom = phone.locator("form[data-move=confirm_symptom]")
    symptom.locator("textarea[name=text]").fill("所有外线无法呼出")
    symptom.locator("input[name=confirmed_by]").fill("王主任")
    symptom.locator("button").click()
    phone.locator("form[data-move=complete] textarea[name=text]").fill("更换中继板 TN464F，拨测正常")
    phone.locator("[data-action=complete]").click()
    expect(phone.get_by_test_id("visit-status")).to_have_text("工作完成")

    # The report: a draft kept in the browser survives a reload (a dropped connection).
    phone.get_by_test_id("write-report").click()
    _fits(phone, "the report form")
    form = phone.get_by_test_id("report-form")
    key = form.locator("input[name=idempotency_key]").input_value()
    form.locator("textarea[name=test_notes]").fill("拨测 20 次均正常")
    form.locator("input[name=material_name]").first.fill("中继板 TN464F")
    form.locator("input[name=material_quantity]").first.fill("1")
    form.locator("textarea[name=open_points]").fill("机房空调漏水，需物业处理")
    _sign(phone, "customer_signature-pad")
    signed = form.locator("input[name=customer_signature]").input_value()
    assert signed.startswith("data:image/png;base64,"), phone.evaluate("JSON.stringify(Object.keys(localStorage))")
    phone.reload()
    form = phone.get_by_test_id("report-form")
    expect(form.locator("textarea[name=test_notes]")).to_have_value("拨测 20 次均正常")
    expect(form.locator("input[name=idempotency_key]")).to_have_value(key)
    assert form.locator("input[name=customer_signature]").input_value().startswith("data:image/png;base64,")
    _sign(phone, "engineer_signature-pad")
    screenshot(phone, "field-02-report-signed")
    phone.get_by_test_id("submit-report").click()
    expect(phone.get_by_test_id("report-documents")).to_be_visible()
    assert phone.evaluate("key => window.localStorage.getItem(key)", f"field-report-{visit.pk}") is None

    report = ServiceReport.objects.get()
    assert str(report.idempotency_key) == key
    assert report.open_points.get().case is not None

    # The customer's signature confirmed the result: now the engineer may leave.
    phone.goto(f"/field/visits/{visit.pk}/")
    expect(phone.get_by_test_id("visit-status")).to_have_text("结果已确认")
    phone.locator("[data-action=check_out]").click()
    expect(phone.get_by_test_id("visit-status")).to_have_text("已签退")
    screenshot(phone, "field-03-checked-out")
    phone.goto("/field/")
    _fits(phone, "my visits today")

    document = Document.objects.get(kind="service_report")
    render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    text = pdf_text(stored_bytes(document))
    assert "现场维修报告" in text and customer_a.name in text


def test_a_submission_whose_answer_is_lost_is_sent_again_and_makes_one_report(
    open_browser, log_in, manager, engineer, case_a
):
    from aftersales.field import services

    visit = services.dispatch_visit(case=case_a, by=manager, engineers=[engineer], planned_departure_at=timezone.now())
    for action, extra in [
        ("arrive", {}),
        ("confirm_symptom", {"confirmed_by": "王主任"}),
        ("complete", {"text": "更换风扇"}),
    ]:
        services.move_visit(visit=visit, action=action, by=engineer, **extra)

    phone = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), engineer)
    phone.goto(f"/field/visits/{visit.pk}/report/")
    form = phone.get_by_test_id("report-form")
    key = form.locator("input[name=idempotency_key]").input_value()
    form.locator("input[name=customer_signer]").fill("王主任")
    _sign(phone, "customer_signature-pad")
    _sign(phone, "engineer_signature-pad")

    # The machine room's network drops the answer: the server has the report, the phone does not know.
    def lose_the_answer(route):
        route.fetch()
        route.abort()

    phone.route(f"**/field/visits/{visit.pk}/report/", lose_the_answer)
    phone.get_by_test_id("submit-report").click()
    phone.wait_for_timeout(1000)
    phone.unroute(f"**/field/visits/{visit.pk}/report/")
    assert ServiceReport.objects.count() == 1

    # Back in coverage: the page opens again with the draft, and sending it again is harmless.
    phone.goto(f"/field/visits/{visit.pk}/report/")
    form = phone.get_by_test_id("report-form")
    expect(form.locator("input[name=idempotency_key]")).to_have_value(key)
    expect(form.locator("input[name=customer_signer]")).to_have_value("王主任")
    phone.get_by_test_id("submit-report").click()
    expect(phone.get_by_test_id("report-documents")).to_be_visible()
    assert ServiceReport.objects.count() == 1
    assert phone.url.endswith(f"/field/reports/{ServiceReport.objects.get().pk}/")
