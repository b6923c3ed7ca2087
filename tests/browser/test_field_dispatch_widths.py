"""Every page of dispatch and field service that is used away from a desk fits a 390 px phone:
the page is never wider than the screen (no sideways scrolling), with real content on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.dispatch import services as dispatch
from aftersales.dispatch.models import AssignmentRule, Engineer, Shift, Team
from aftersales.field import services as field
from tests.browser.conftest import MOBILE
from tests.factories import EquipmentFactory, SiteFactory, VendorFactory
from tests.field.conftest import signature_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LONG_ADDRESS = "上海市浦东新区张江高科技园区碧波路 690 号 3 号楼 B 座 12 层东侧弱电间（近消防通道）"


def _seed(make_user, open_case, customer_a):
    duty = make_user(Role.DUTY_MANAGER, username="duty", display_name="吴刚（值班经理）")
    engineer = make_user(Role.ENGINEER, username="liqiang", display_name="李强（一线·上海）")
    team = Team.objects.create(name="一线维护组（上海浦东张江片区）", region="上海", manager=duty)
    coe = Team.objects.create(name="三线专家中心（COE）", region="", manager=duty)
    team.members.add(engineer)
    Engineer.objects.create(user=engineer, region="上海")
    AssignmentRule.objects.create(name="AVAYA 语音设备（上海）", region="上海", team=team)
    starts, ends = dispatch.shift_times(timezone.localdate(), Shift.Kind.NIGHT)
    shift = dispatch.plan_shift(
        team=team, kind="night", starts_at=starts, ends_at=ends, duty_engineer=engineer, duty_manager=duty, by=duty
    )
    vendor = VendorFactory(name="AVAYA")
    site = SiteFactory(customer=customer_a, name="张江数据中心三号机房", address=LONG_ADDRESS, region="上海")
    case = open_case(customer_a, equipment=EquipmentFactory(site=site), title="中继全断，全院外线不通" * 3)
    dispatch.change_tier(case=case, by=engineer, to_tier="L4", reason="需厂家研发分析")
    dispatch.open_vendor_case(
        case=case, by=engineer, kind="vendor_tac", vendor=vendor, number="TAC-6928-4417-0001-LONG", severity="S2"
    )
    handover = dispatch.request_handover(case=case, by=engineer, to_team=coe, reason="疑似软件缺陷，需专家中心分析")
    on_site = field.dispatch_visit(case=case, by=duty, engineers=[engineer], planned_departure_at=timezone.now())
    field.move_visit(visit=on_site, action="arrive", by=engineer)
    done = field.dispatch_visit(case=case, by=duty, engineers=[engineer], planned_departure_at=timezone.now())
    for action, extra in [
        ("arrive", {}),
        ("confirm_symptom", {"confirmed_by": "王主任"}),
        ("complete", {"text": "更换"}),
    ]:
        field.move_visit(visit=done, action=action, by=engineer, **extra)
    reported = field.dispatch_visit(case=case, by=duty, engineers=[engineer], planned_departure_at=timezone.now())
    for action, extra in [
        ("arrive", {}),
        ("confirm_symptom", {"confirmed_by": "王主任"}),
        ("complete", {"text": "更换"}),
    ]:
        field.move_visit(visit=reported, action=action, by=engineer, **extra)
    now = timezone.now()
    report = field.submit_report(
        visit=reported,
        by=engineer,
        idempotency_key="5b0e7a36-1f6c-4d53-9d0a-3f1e2b7c9a10",
        kind="repair",
        work_done="更换中继板 TN464F，恢复全部外线。" * 4,
        started_at=now - dt.timedelta(hours=1),
        finished_at=now,
        test_result="passed",
        customer_signer="王主任",
        customer_signature=signature_png(),
        engineer_signature=signature_png(),
        materials=[field.Material("中继板 TN464F（含背板转接卡）", 1, "TN464F-AP-0001", "SN1234567890ABCDEF")],
        open_points=["机房空调漏水，需物业处理"],
    )
    rule = AssignmentRule.objects.get()
    desk_pages = [
        "/dispatch/",
        f"/dispatch/roster/?team={team.pk}",
        "/dispatch/roster/new/",
        "/dispatch/roster/week/",
        f"/dispatch/roster/{shift.pk}/",
        f"/dispatch/roster/{shift.pk}/swap/",
        "/dispatch/rules/",
        f"/dispatch/handovers/{handover.pk}/",
        f"/cases/{case.number}/",
        f"/field/cases/{case.number}/dispatch/",
    ]
    engineer_pages = [
        "/field/",
        f"/field/visits/{on_site.pk}/",
        f"/field/visits/{done.pk}/",
        f"/field/visits/{done.pk}/report/",
        f"/field/reports/{report.pk}/",
        "/cases/",
    ]
    manager = make_user(Role.DEPT_MANAGER, username="manager", display_name="郑华（服务部经理）")
    rule_pages = ["/dispatch/rules/new/", f"/dispatch/rules/{rule.pk}/"]
    return {duty: desk_pages, engineer: engineer_pages, manager: rule_pages}


def test_the_dispatch_and_field_pages_fit_a_390_px_phone(open_browser, log_in, make_user, open_case, customer_a):
    too_wide = {}
    for user, paths in _seed(make_user, open_case, customer_a).items():
        page = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), user)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > MOBILE["width"]:
                too_wide[path] = width
    assert too_wide == {}, f"wider than {MOBILE['width']} px: {too_wide}"
