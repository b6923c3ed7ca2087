"""The screenshots of docs/reports.md, taken again from the running application.

Regenerate with (from the repository's root; needs Debian's chromium, `make chromium`):

    .venv/bin/python docs/report_screenshots.py

As docs/screenshots.py does: a fresh demo database in a temporary directory, a live server in
a thread, Debian's chromium driven by Playwright. Last month's and last quarter's service
reports are drafted as the worker does; the quarterly one of a customer is written, reviewed
and issued through the services. The PNGs go to docs/img/reports/ (under 200 kB each).
Not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots  # the shared set-up (environment, picture size)

OUT = screenshots.ROOT / "docs" / "img" / "reports"
NARRATIVE = {
    "customer_base": "省级重点客户，核心网及计费系统 7×24 保障；在保设备 3 套，分布于两个机房。",
    "services_delivered": "热线受理与远程处理、A 级故障 30 分钟到场、季度巡检两次、版本升级一次。",
    "typical_cases": "中继全断：夜间 A 级故障，远程定位为中继板故障，工程师到场更换后恢复，全程 1.5 小时。",
    "problems": "机房空调漏水两次，存在设备受潮风险；建议客户物业整改并加装漏水告警。",
    "next_plan": "完成核心交换机版本升级；开展一次应急演练；复核备件库存。",
}


def seed() -> dict:
    """The demo, then the service reports of last month and last quarter, one of them issued."""
    from django.core.management import call_command
    from django.utils import timezone

    from aftersales.accounts.models import User
    from aftersales.customers.models import Customer
    from aftersales.documents.models import Document
    from aftersales.documents.services import render_document
    from aftersales.reports import service_reports
    from aftersales.reports.kpis import Period
    from aftersales.reports.models import PeriodicReport, PeriodKind

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("compile_messages_check", compile=True, skip_checks=True)
    call_command("seed_demo", skip_checks=True)
    users = {user.username: user for user in User.objects.all()}
    now = timezone.now()
    this_month = Period.month_of(now)
    service_reports.generate(this_month.previous_month(), at=now)
    quarter = Period.quarter_of(now)
    service_reports.generate(quarter, kind=PeriodKind.QUARTER, at=now)
    telecom = Customer.objects.get(code="telecom")
    report = PeriodicReport.objects.get(period_kind="quarter", period_start=quarter.first, customer=telecom)
    breaches = service_reports.current_figures(report)["breaches"]
    reasons = {str(row["clock"]): "夜间值班人员不足，已增加二线备班" for row in breaches[:3]}
    service_reports.save_narrative(report=report, by=users["manager"], sections=NARRATIVE, reasons=reasons)
    service_reports.submit_for_review(report=report, by=users["manager"])
    service_reports.review(report=report, by=users["centre"], approve=True, note="同意签发")
    service_reports.issue(report=report, by=users["manager"])
    for document in Document.objects.filter(kind=service_reports.KIND, status=Document.Status.PENDING):
        render_document(document.pk)
    draft = PeriodicReport.objects.filter(period_kind="quarter", customer__isnull=True).first()
    return {"issued": report, "draft": draft}


def main() -> None:
    import django

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    data = seed()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    OUT.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=screenshots.CHROMIUM, args=["--headless=new", "--no-sandbox"]
        )

        def page_for(username: str, *, phone: bool = False, login: str = "/login/"):
            options = {"is_mobile": True, "has_touch": True} if phone else {}
            context = browser.new_context(
                base_url=base,
                viewport=screenshots.PHONE if phone else screenshots.DESKTOP,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                **options,
            )
            page = context.new_page()
            page.goto(login)
            page.locator("input[name=username]").fill(username)
            page.locator("input[name=password]").fill(screenshots.PASSWORD)
            page.locator("main form button.primary").click()
            page.wait_for_load_state()
            return page

        def shot(page, name: str, *, full_page: bool = False) -> None:
            path = OUT / f"{name}.png"
            page.screenshot(path=str(path), full_page=full_page)
            screenshots.small_png(path)
            print(f"{path.relative_to(screenshots.ROOT)}: {path.stat().st_size // 1000} kB")

        desk = page_for("manager")
        desk.goto("/reports/")
        shot(desk, "dashboard", full_page=True)
        desk.goto("/reports/service/")
        shot(desk, "report-list")
        if data["draft"] is not None:
            desk.goto(f"/reports/service/{data['draft'].pk}/")
            shot(desk, "report-draft")
        desk.goto(f"/reports/service/{data['issued'].pk}/")
        shot(desk, "report-issued", full_page=True)

        phone = page_for("manager", phone=True)
        phone.goto("/reports/")
        shot(phone, "dashboard-390", full_page=True)

        customer = page_for("telecom", login="/portal/login/")
        customer.goto("/portal/service-reports/")
        shot(customer, "portal-reports")
        browser.close()
    server.terminate()


if __name__ == "__main__":
    main()
