"""The roster week and a case's dispatch panel on a phone-sized screen (390×844)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftersales.accounts.roles import Role
from aftersales.dispatch.models import Engineer, Shift, Team
from aftersales.dispatch.services import plan_shift, shift_times
from tests.browser.conftest import MOBILE
from tests.factories import EquipmentFactory, SiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_roster_and_the_case_panel_fit_a_phone(open_browser, log_in, screenshot, make_user, open_case, customer_a):
    duty = make_user(Role.DUTY_MANAGER, username="duty", display_name="吴刚（值班经理）")
    team = Team.objects.create(name="一线维护组（上海）", region="上海", auto_assign=True, manager=duty)
    for name in ("李强", "张伟"):
        user = make_user(Role.ENGINEER, username=f"eng-{len(name)}{name}", display_name=name)
        team.members.add(user)
        Engineer.objects.create(user=user, region="上海")
    today = timezone.localdate()
    for offset, person in enumerate(team.members.all()):
        starts, ends = shift_times(today + dt.timedelta(days=offset), Shift.Kind.NIGHT)
        plan_shift(
            team=team, kind="night", starts_at=starts, ends_at=ends, duty_engineer=person, duty_manager=duty, by=duty
        )
    equipment = EquipmentFactory(site=SiteFactory(customer=customer_a, region="上海"))
    case = open_case(customer_a, equipment=equipment, title="中继全断，全院外线不通")

    page = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), duty)
    page.goto(f"/dispatch/roster/?team={team.pk}")
    expect(page.get_by_test_id("shift").first).to_be_visible()
    screenshot(page, "dispatch-mobile-roster")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the roster is {width}px wide on a {MOBILE['width']}px screen"

    page.goto(f"/cases/{case.number}/")
    expect(page.get_by_test_id("dispatch-panel")).to_be_visible()
    expect(page.get_by_test_id("next-step")).to_be_visible()
    screenshot(page, "dispatch-mobile-case")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the case page is {width}px wide on a {MOBILE['width']}px screen"
