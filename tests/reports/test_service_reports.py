"""The service reports of a month or a quarter: drafted by the worker on the first working day,
written, reviewed (approvals), issued as a Chinese PDF and an Excel workbook whose figures are
frozen and equal the dashboard's, e-mailed to the managers over real SMTP, and downloaded by
the customer's manager only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import IntegrityError
from openpyxl import load_workbook
from pypdf import PdfReader

from aftersales.accounts.roles import Role
from aftersales.calendars.models import HolidayDay
from aftersales.cases.models import Case, Channel, Kind, Severity
from aftersales.core.errors import NotAllowed
from aftersales.documents.models import Document
from aftersales.documents.services import render_document
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from aftersales.reports import dashboard, kpis, service_reports, tasks
from aftersales.reports.kpis import SHANGHAI, Filters, Period
from aftersales.reports.models import PeriodicReport, PeriodKind, ReportStatus
from tests.factories import ContactFactory
from tests.notifications.conftest import smtp  # noqa: F401 - the real SMTP server fixture
from tests.reports.conftest import AS_OF, NOVEMBER, local

Q4 = Period.quarter(2026, 4)
NARRATIVE = {
    "customer_base": "三级甲等医院，院区两个，AVAYA 语音系统 3 套",
    "services_delivered": "7×24 小时热线，季度巡检两次",
    "typical_cases": "11 月 12 日中继板故障，重开后更换",
    "problems": "机房空调漏水，建议物业整改",
    "next_plan": "一季度完成核心交换机升级",
}


def at(day: str, hour: int = 6, minute: int = 30) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.CENTRE_MANAGER, username="centre", email="centre@example.com")


@pytest.fixture
def quarterly(month):
    made = service_reports.generate(Q4, kind=PeriodKind.QUARTER, at=at("2027-01-04"))
    return next(r for r in made if r.customer_id == month.customer.pk)


def approved(report, *, writer, reviewer, sections=NARRATIVE):
    service_reports.save_narrative(report=report, by=writer, sections=sections, reasons={})
    service_reports.submit_for_review(report=report, by=writer)
    return service_reports.review(report=report, by=reviewer, approve=True, note="同意")


def issued(report, *, writer, reviewer):
    approved(report, writer=writer, reviewer=reviewer)
    with time_machine.travel(AS_OF, tick=False):
        return service_reports.issue(report=report, by=writer)


# --- the schedule --------------------------------------------------------------------------


def test_quarter_periods():
    assert Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == Q4
    assert Period.quarter_of(at("2026-11-15")) == Q4
    assert Q4.previous_quarter() == Period.quarter(2026, 3)
    assert Period.quarter(2027, 1).previous_quarter() == Q4


def test_first_working_day(db):
    assert not service_reports.is_first_working_day(dt.date(2026, 11, 1))  # a Sunday
    assert service_reports.is_first_working_day(dt.date(2026, 11, 2))
    assert not service_reports.is_first_working_day(dt.date(2026, 11, 3))


def test_due_periods_skip_a_holiday_on_the_first(db):
    HolidayDay.objects.update_or_create(date=dt.date(2027, 1, 1), defaults={"kind": "holiday", "name": "元旦"})
    assert service_reports.due_periods(dt.date(2026, 12, 1)) == [("month", NOVEMBER)]  # not a quarter's
    assert service_reports.due_periods(dt.date(2027, 1, 1)) == []  # New Year's Day
    assert service_reports.due_periods(dt.date(2027, 1, 4)) == [  # Monday: the first working day
        ("month", Period.month(2026, 12)),
        ("quarter", Q4),
    ]
    assert service_reports.due_periods(dt.date(2027, 1, 5)) == []


def test_the_worker_drafts_month_and_quarter_on_the_first_working_day_once(month, customer_b):
    HolidayDay.objects.update_or_create(date=dt.date(2027, 1, 1), defaults={"kind": "holiday", "name": "元旦"})
    with time_machine.travel(at("2027-01-01"), tick=False):
        assert tasks.service_reports_due.call_local() == 0
    with time_machine.travel(at("2027-01-04"), tick=False):
        # December: the overall report and customer A's (c7, opened 1 December); the fourth
        # quarter: the overall report, customer A's and customer B's.
        assert tasks.service_reports_due.call_local() == 5
        assert tasks.service_reports_due.call_local() == 0
    made = {(r.period_kind, r.period_start, r.customer_id) for r in PeriodicReport.objects.all()}
    assert made == {
        ("month", dt.date(2026, 12, 1), None),
        ("month", dt.date(2026, 12, 1), month.customer.pk),
        ("quarter", dt.date(2026, 10, 1), None),
        ("quarter", dt.date(2026, 10, 1), month.customer.pk),
        ("quarter", dt.date(2026, 10, 1), customer_b.pk),
    }
    assert set(PeriodicReport.objects.values_list("status", flat=True)) == {ReportStatus.DRAFT}


def test_one_overall_report_per_period(month):
    service_reports.generate(NOVEMBER, at=at("2026-12-01"))
    with pytest.raises(IntegrityError):
        PeriodicReport.objects.create(period_kind="month", period_start=NOVEMBER.first, customer=None)


# --- review and issue ---------------------------------------------------------------------


def test_a_draft_or_a_report_in_review_cannot_be_issued(quarterly, manager, reviewer):
    with pytest.raises(NotAllowed):
        service_reports.issue(report=quarterly, by=manager)
    service_reports.save_narrative(report=quarterly, by=manager, sections=NARRATIVE, reasons={})
    service_reports.submit_for_review(report=quarterly, by=manager)
    with pytest.raises(NotAllowed):
        service_reports.issue(report=quarterly, by=manager)
    assert PeriodicReport.objects.get(pk=quarterly.pk).figures == {}


def test_a_quarterly_report_needs_every_narrative_section(quarterly, manager):
    partial = {**NARRATIVE, "problems": "", "next_plan": " "}
    service_reports.save_narrative(report=quarterly, by=manager, sections=partial, reasons={})
    with pytest.raises(NotAllowed) as refused:
        service_reports.submit_for_review(report=quarterly, by=manager)
    assert set(refused.value.fields) == {"problems", "next_plan"}
    assert PeriodicReport.objects.get(pk=quarterly.pk).status == ReportStatus.DRAFT


def test_the_sender_cannot_approve_their_own_report(quarterly, manager, reviewer):
    service_reports.save_narrative(report=quarterly, by=manager, sections=NARRATIVE, reasons={})
    service_reports.submit_for_review(report=quarterly, by=manager)
    asked = Notification.objects.filter(kind="report_to_review")
    assert [n.recipient for n in asked] == [reviewer]  # the reviewers, never the sender
    with pytest.raises(NotAllowed):
        service_reports.review(report=quarterly, by=manager, approve=True)
    with pytest.raises(NotAllowed):  # frozen while in review
        service_reports.save_narrative(report=quarterly, by=manager, sections={}, reasons={})
    report = service_reports.review(report=quarterly, by=reviewer, approve=True)
    assert (report.status, report.reviewed_by) == (ReportStatus.APPROVED, reviewer)


def test_a_rejected_report_is_a_draft_again(quarterly, manager, reviewer):
    service_reports.save_narrative(report=quarterly, by=manager, sections=NARRATIVE, reasons={})
    service_reports.submit_for_review(report=quarterly, by=manager)
    report = service_reports.review(report=quarterly, by=reviewer, approve=False, note="典型案例写得太简单")
    assert report.status == ReportStatus.DRAFT
    report = service_reports.save_narrative(
        report=report, by=manager, sections={**NARRATIVE, "typical_cases": "详细说明"}, reasons={}
    )
    assert report.typical_cases == "详细说明"


def test_the_narrative_and_the_figures_are_frozen_once_issued(month, quarterly, manager, reviewer):
    report = issued(quarterly, writer=manager, reviewer=reviewer)
    assert (report.status, report.issued_by, report.issued_at) == (ReportStatus.ISSUED, manager, AS_OF)
    with pytest.raises(NotAllowed):
        service_reports.save_narrative(report=report, by=manager, sections={"problems": "改"}, reasons={})
    with pytest.raises(NotAllowed):
        service_reports.issue(report=report, by=manager)
    before = load_workbook(service_reports.workbook(report))
    # A fault opened in the quarter after the issue changes the live figures, not the report's.
    Case.objects.create(
        number="CS202611-000099",
        customer=month.customer,
        title="late",
        description="late",
        severity=Severity.A,
        channel=Channel.PHONE,
        kind=Kind.FAULT,
        opened_at=local("11-20 10:00"),
    )
    after = load_workbook(service_reports.workbook(PeriodicReport.objects.get(pk=report.pk)))
    summary = {row[0]: row[1] for row in after["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["故障"] == 8  # the quarter's faults at issue: c1-c8 (c9 cancelled, c10 a complaint)
    assert [list(r) for r in before["汇总"].values] == [list(r) for r in after["汇总"].values]


def test_only_issuers_issue(quarterly, manager, reviewer, executive):
    approved(quarterly, writer=manager, reviewer=executive)
    with pytest.raises(NotAllowed):
        service_reports.issue(report=quarterly, by=executive)  # reviews, does not issue


# --- the PDF, the workbook, the e-mail -------------------------------------------------------


def test_the_pdf_holds_the_chinese_headings_the_narrative_and_the_figures(month, quarterly, manager, reviewer):
    report = issued(quarterly, writer=manager, reviewer=reviewer)
    document = Document.objects.get(kind=service_reports.KIND, subject_id=report.pk)
    render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    text = "".join(page.extract_text() for page in PdfReader(document.file.open("rb")).pages)
    for heading in (
        "季度服务报告",
        "客户基本情况",
        "服务内容",
        "典型案例",
        "问题与建议",
        "下季度计划",
        "故障修复及时率",
    ):
        assert heading in text, heading
    assert NARRATIVE["typical_cases"] in text
    # The quarter's fault repair rate against its 95 % target: c1, c3, c6, c7 in time; c2 and
    # the reopened c4 late (c8 suspended, c5 without a limit): 4 of 6.
    assert "66.7 %" in text and "95.0 %" in text
    assert "故障 8" in text  # c1-c8 (c9 cancelled, c10 a complaint)
    assert month.cases["c1"].number in text and month.cases["b1"].number not in text


def test_the_workbook_numbers_equal_the_dashboards(month, quarterly, manager, reviewer):
    report = issued(quarterly, writer=manager, reviewer=reviewer)
    book = load_workbook(service_reports.workbook(report))
    assert book.sheetnames == [
        "汇总",
        "考核指标与目标",
        "处理结果",
        "案例",
        "超时记录",
        "重大故障",
        "系统可用率",
        "季报正文",
    ]
    cases = kpis.report_cases(manager, Filters(customer_id=month.customer.pk))
    shown = dashboard.compare(cases, Q4, now=AS_OF).current
    rates = {row[0]: row[1:] for row in book["考核指标与目标"].iter_rows(min_row=2, values_only=True)}
    for key, label, _figure in dashboard.RATES:
        ratio = dashboard.ratio_of(shown, key)
        rate, target, timely, late, pending, met = rates[str(label)]
        assert (rate, timely, late, pending) == (ratio.rate, len(ratio.timely), len(ratio.late), len(ratio.pending))
        assert isinstance(target, float)
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["故障"] == len(shown.faults)
    assert summary["重大故障"] == shown.major.count
    assert summary["重大故障时长（小时）"] == round(shown.major.total_minutes / 60, 2)
    majors = list(book["重大故障"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in majors] == [month.cases[n].number for n in ("c1", "c2", "c4", "c6", "c7")]
    assert majors[0][3] == dt.datetime(2026, 11, 3, 9, 0)  # a real date, Beijing time
    assert majors[0][5] == 1.5  # c1 down 09:00-10:30
    breaches = list(book["超时记录"].iter_rows(min_row=2, values_only=True))
    assert all(isinstance(row[4], dt.datetime) for row in breaches)


def test_the_managers_get_the_pdf_and_the_workbook_by_email(smtp, month, quarterly, manager, reviewer):  # noqa: F811
    manager.email = "manager@example.com"
    manager.save()
    issued(quarterly, writer=manager, reviewer=reviewer)
    with time_machine.travel(AS_OF + dt.timedelta(minutes=1), tick=False):
        deliver_due(now=AS_OF + dt.timedelta(minutes=1))
        deliver_due(now=AS_OF + dt.timedelta(minutes=2))
    (message,) = smtp.mailbox.to("manager@example.com")
    assert "季度服务报告" in message["Subject"]
    attached = {part.get_filename(): part for part in message.iter_attachments()}
    names = sorted(attached)
    assert names[0].endswith(".pdf") and names[1].endswith(".xlsx"), names
    pdf = PdfReader(io.BytesIO(attached[names[0]].get_content()))
    assert "客户基本情况" in "".join(page.extract_text() for page in pdf.pages)
    book = load_workbook(io.BytesIO(attached[names[1]].get_content()))
    assert "考核指标与目标" in book.sheetnames
    assert len(smtp.mailbox.to("centre@example.com")) == 1


# --- who sees what ------------------------------------------------------------------------------


@pytest.fixture
def two_issued(month, customer_b, manager, reviewer):
    made = service_reports.generate(NOVEMBER, at=at("2026-12-01"))
    by_customer = {r.customer_id: r for r in made}
    for report in (by_customer[month.customer.pk], by_customer[customer_b.pk]):
        issued(report, writer=manager, reviewer=reviewer)
    for document in Document.objects.filter(kind=service_reports.KIND):
        render_document(document.pk)
    return {key: PeriodicReport.objects.get(pk=report.pk) for key, report in by_customer.items()}


def test_a_customer_manager_downloads_their_own_issued_reports_only(client, contact_a, month, two_issued, quarterly):
    own, other = two_issued[month.customer.pk], two_issued[month.cases["b1"].customer_id]
    overall = two_issued[None]
    client.force_login(contact_a)
    page = client.get("/portal/service-reports/").content.decode()
    assert "2026-11" in page and str(month.cases["b1"].customer) not in page
    assert f'data-report="{quarterly.pk}"' not in page  # a draft is never shown
    excel = client.get(f"/portal/service-reports/{own.pk}/excel/")
    book = load_workbook(io.BytesIO(b"".join(excel.streaming_content)))
    numbers = {row[0] for row in book["案例"].iter_rows(min_row=2, values_only=True)}
    assert numbers == {month.cases[n].number for n in ("c1", "c2", "c3", "c4", "c5", "c6", "c8", "c10")}
    pdf = service_reports.latest_pdf(own)
    assert client.get(f"/portal/service-reports/{own.pk}/documents/{pdf.pk}/").status_code == 200
    for pk in (other.pk, overall.pk, quarterly.pk, 999999):
        assert client.get(f"/portal/service-reports/{pk}/excel/").status_code == 404
    other_pdf = service_reports.latest_pdf(other)
    assert client.get(f"/portal/service-reports/{other.pk}/documents/{other_pdf.pk}/").status_code == 404
    assert client.get(f"/portal/service-reports/{own.pk}/documents/{other_pdf.pk}/").status_code == 404


def test_a_contact_who_is_not_the_manager_gets_none(client, make_user, month, two_issued):
    user = make_user(Role.CUSTOMER, username="plain-a")
    ContactFactory(customer=month.customer, user=user, is_customer_manager=False)
    client.force_login(user)
    assert client.get(f"/portal/service-reports/{two_issued[month.customer.pk].pk}/excel/").status_code == 404


def test_staff_rights_per_role(client, manager, engineer, executive, sales, month, quarterly):
    client.force_login(engineer)
    assert client.get("/reports/service/").status_code == 403
    assert client.get(f"/reports/service/{quarterly.pk}/").status_code == 403
    client.force_login(sales)
    assert client.get("/reports/service/").status_code == 403
    client.force_login(executive)
    page = client.get(f"/reports/service/{quarterly.pk}/").content.decode()
    assert 'data-testid="narrative-form"' not in page  # reads, does not write
    client.force_login(manager)
    assert client.get(f"/reports/service/{quarterly.pk}/excel/").status_code == 200
    page = client.get(f"/reports/service/{quarterly.pk}/").content.decode()
    assert 'data-testid="narrative-form"' in page


def test_the_list_filters(client, manager, month, quarterly):
    service_reports.generate(NOVEMBER, at=at("2026-12-01"))
    client.force_login(manager)
    page = client.get("/reports/service/", {"kind": "quarter", "customer": month.customer.pk}).content.decode()
    assert page.count("data-report=") == 1 and f'data-report="{quarterly.pk}"' in page
    page = client.get("/reports/service/", {"period": "2026-11", "status": "draft"}).content.decode()
    assert page.count("data-report=") == 3
    bad = client.get("/reports/service/", {"period": "2026-Q5"})
    assert bad.status_code == 400 and "YYYY-Q1" in bad.content.decode("utf-8") or "季度" in bad.content.decode()


def test_the_review_flow_through_the_pages(client, manager, reviewer, month, quarterly):
    client.force_login(manager)
    url = f"/reports/service/{quarterly.pk}/"
    refused = client.post(url, {**NARRATIVE, "problems": "", "submit": "1"})
    assert refused.status_code == 400
    assert PeriodicReport.objects.get(pk=quarterly.pk).status == ReportStatus.DRAFT
    reasons = {
        f"reason_{row['clock']}": "夜间值班人员不足" for row in service_reports.current_figures(quarterly)["breaches"]
    }
    assert reasons
    assert client.post(url, {**NARRATIVE, **reasons, "submit": "1"}).status_code == 302
    report = PeriodicReport.objects.get(pk=quarterly.pk)
    assert report.status == ReportStatus.IN_REVIEW and set(report.breach_reasons.values()) == {"夜间值班人员不足"}
    assert client.post(f"{url}issue/").status_code == 302
    assert PeriodicReport.objects.get(pk=quarterly.pk).status == ReportStatus.IN_REVIEW  # not approved yet
    client.force_login(reviewer)
    assert client.post(f"{url}review/", {"decision": "approve", "note": "同意"}).status_code == 302
    client.force_login(manager)
    with time_machine.travel(AS_OF, tick=False):
        assert client.post(f"{url}issue/").status_code == 302
    report = PeriodicReport.objects.get(pk=quarterly.pk)
    assert report.status == ReportStatus.ISSUED and report.figures["breaches"]
    page = client.get(url).content.decode()
    assert "夜间值班人员不足" in page and 'data-testid="narrative-form"' not in page
    assert client.post(url, {**NARRATIVE, "problems": "改"}).status_code == 400
    assert PeriodicReport.objects.get(pk=quarterly.pk).problems == NARRATIVE["problems"]


def test_the_overall_report_counts_every_customer_and_lists_no_case(month, manager):
    (overall,) = [r for r in service_reports.generate(NOVEMBER, at=at("2026-12-01")) if r.customer_id is None]
    figures = service_reports.current_figures(overall)
    assert figures["cases"] == []  # the per-customer reports list them
    assert figures["counts"]["cases"] == 9  # c1-c6, c8, c10 of A and b1 of B (c9 cancelled, c7 December's)
    shown = dashboard.compare(kpis.report_cases(manager), NOVEMBER, now=AS_OF).current
    assert figures["counts"]["faults"] == len(shown.faults)
    book = load_workbook(service_reports.workbook(overall))
    assert "案例" not in book.sheetnames and "汇总" in book.sheetnames
