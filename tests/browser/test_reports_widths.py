"""The dashboard and the service report pages fit a 390 px phone: the page is never wider than
the screen (a wide table scrolls inside its card), with the real figures on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.cases.models import Severity
from aftersales.reports import service_reports
from aftersales.reports.kpis import Period
from aftersales.reports.models import PeriodKind
from tests.browser.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_dashboard_and_the_reports_fit_a_390_px_phone(open_browser, log_in, make_user, open_case, customer_a):
    manager = make_user(Role.DEPT_MANAGER, username="manager", display_name="郑华（服务部经理）")
    for title in ("中继全断，全院外线不通" * 3, "分机无法呼出"):
        open_case(customer_a, severity=Severity.A, title=title)
    now = timezone.now()
    quarter = Period.quarter_of(now)
    made = service_reports.generate(quarter, kind=PeriodKind.QUARTER, at=now)
    month = service_reports.generate(Period.month_of(now), at=now + dt.timedelta(seconds=1))
    paths = [
        "/reports/",
        "/reports/service/",
        *(f"/reports/service/{report.pk}/" for report in made + month),
    ]
    page = log_in(open_browser(viewport=MOBILE, is_mobile=True, has_touch=True), manager)
    too_wide = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > MOBILE["width"]:
            too_wide[path] = width
    assert too_wide == {}, f"wider than {MOBILE['width']} px: {too_wide}"
    page.goto("/reports/")
    assert page.get_by_test_id("kpi-table").is_visible()
