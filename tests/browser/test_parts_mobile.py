"""The parts clerk's screen and a case with a part request on a phone-sized screen (390×844),
and the customer confirming the request in the portal there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Status
from aftersales.parts import services
from aftersales.parts.models import Part, Warehouse
from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{page.url} is {width}px wide on a {MOBILE['width']}px screen"


def test_clerk_screen_and_portal_confirmation_fit_a_phone(
    open_browser, log_in, screenshot, make_user, engineer, contact_a, case_a, equipment_a
):
    clerk = make_user(Role.PARTS_CLERK, username="clerk")
    warehouse = Warehouse.objects.create(code="hz", name="杭州", vendor_direct_ship=True)
    part = Part.objects.create(vendor=equipment_a.vendor, part_number="MM710", description="E1 中继媒体模块")
    services.record_movement(warehouse=warehouse, part=part, kind="receive", quantity=2, by=clerk, reason="入库")
    case = case_services.transition(case=case_a, action="accept", by=engineer)
    case = case_services.transition(case=case, action="start", by=engineer)
    request = services.file_part_request(case=case, part=part, faulty_serial=equipment_a.serial_number, by=engineer)

    portal = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), contact_a)
    portal.goto(f"/portal/cases/{case.number}/")
    expect(portal.get_by_test_id("part-request")).to_contain_text(request.number)
    _fits(portal)
    portal.locator('[data-action="confirm-part-request"]').click()
    expect(portal.get_by_test_id("part-request")).to_have_attribute("data-status", "confirmed")
    screenshot(portal, "parts-01-mobile-portal-confirmed")
    assert Case.objects.get(pk=case.pk).status == Status.WAITING_PARTS

    rma = services.claim_rma(number="RMA-8801", warehouse=warehouse, part=part, by=clerk)
    services.receive_rma_part(rma=rma, good_serial="FOC2231A0BX", by=clerk)
    page = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), clerk)
    page.goto("/parts/")
    expect(page.get_by_test_id("requests-to-serve")).to_contain_text(request.number)
    expect(page.get_by_test_id("open-rmas")).to_contain_text("RMA-8801")
    screenshot(page, "parts-02-mobile-clerk")
    _fits(page)
