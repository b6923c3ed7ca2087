"""The whole part-request flow in the browser: the engineer files a part request on the case
page, the customer confirms it in the portal (the case goes to RMA-Pend), the clerk claims the
vendor RMA and issues the part from stock, the engineer records it fitted (the case leaves
RMA-Pend), and the clerk closes the RMA: the good part received, the defective part shipped
back in time (its return deadline met)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Status
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import services
from aftersales.parts.models import Part, PartRequest, Rma, Warehouse
from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_part_request_to_returned_rma(
    open_browser, log_in, screenshot, make_user, engineer, contact_a, case_a, equipment_a
):
    clerk = make_user(Role.PARTS_CLERK, username="clerk")
    warehouse = Warehouse.objects.create(code="hz", name="杭州", vendor_direct_ship=True)
    part = Part.objects.create(vendor=equipment_a.vendor, part_number="MM710", description="E1 中继媒体模块")
    part.product_models.add(equipment_a.product_model)
    services.record_movement(warehouse=warehouse, part=part, kind="receive", quantity=2, by=clerk, reason="入库")
    case = case_services.transition(case=case_a, action="accept", by=engineer)
    case = case_services.transition(case=case, action="start", by=engineer)

    # The engineer files the part request on the case page.
    desk = log_in(open_browser(), engineer)
    desk.goto(f"/cases/{case.number}/")
    desk.get_by_test_id("part-request-form").locator("summary").click()
    form = desk.get_by_test_id("part-request-form").locator("form")
    form.locator("select[name=part]").select_option(str(part.pk))
    form.locator("button.primary").click()
    expect(desk.get_by_test_id("part-request")).to_have_attribute("data-status", "awaiting_consent")
    request = PartRequest.objects.get(case=case)

    # The customer confirms it in the portal; the case waits for parts (RMA-Pend).
    portal = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), contact_a)
    portal.goto(f"/portal/cases/{case.number}/")
    portal.locator('[data-action="confirm-part-request"]').click()
    expect(portal.get_by_test_id("part-request")).to_have_attribute("data-status", "confirmed")
    assert Case.objects.get(pk=case.pk).status == Status.WAITING_PARTS

    # The clerk claims the vendor RMA in parallel and issues the part from stock.
    clerk_page = log_in(open_browser(), clerk)
    clerk_page.goto("/parts/")
    row = clerk_page.locator(f'tr[data-serve="{request.pk}"]')
    row.locator("input[name=number]").fill("RMA-8802")
    row.locator('[data-action="claim-rma"]').click()
    expect(clerk_page.get_by_test_id("open-rmas")).to_contain_text("RMA-8802")
    row = clerk_page.locator(f'tr[data-serve="{request.pk}"]')
    row.locator("input[name=good_serial]").fill("FOC2231A0BX")
    row.locator('[data-action="serve"]').click()
    expect(clerk_page.locator(f'tr[data-serve="{request.pk}"]')).to_have_count(0)
    assert PartRequest.objects.get(pk=request.pk).status == PartRequest.Status.ISSUED

    # The engineer fits it: the case leaves RMA-Pend.
    desk.goto(f"/cases/{case.number}/")
    desk.locator('[data-action="fit"]').click()
    expect(desk.get_by_test_id("part-request")).to_have_attribute("data-status", "fitted")
    assert Case.objects.get(pk=case.pk).status != Status.WAITING_PARTS

    # The clerk receives the vendor's good part and ships the defective one back: RMA closed.
    rma = Rma.objects.get(number="RMA-8802")
    clerk_page.goto("/parts/")
    actions = clerk_page.locator(f'tr[data-rma-actions="{rma.pk}"]')
    actions.locator("input[name=good_serial]").fill("FOC2231A0BY")
    actions.locator('[data-action="receive"]').click()
    expect(clerk_page.locator(f'tr[data-rma="{rma.pk}"]').get_by_test_id("rma-due")).to_contain_text("10")
    screenshot(clerk_page, "parts-flow-01-rma-received")
    actions = clerk_page.locator(f'tr[data-rma-actions="{rma.pk}"]')
    actions.locator("input[name=carrier]").fill("顺丰")
    actions.locator("input[name=waybill]").fill("SF1234567890")
    actions.locator('[data-action="ship"]').click()
    expect(clerk_page.get_by_test_id("open-rmas")).not_to_contain_text("RMA-8802")
    rma.refresh_from_db()
    assert rma.status == Rma.Status.RETURNED and rma.waybill == "SF1234567890"
    deadline = rma_deadlines.return_deadline(rma)
    assert deadline.met_at is not None and deadline.breached_at is None
