"""The monthly report per customer: made once on the first working day, rendered as a PDF in
Chinese, downloaded (PDF and Excel) by the customer's manager only, never by another customer."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import IntegrityError
from openpyxl import load_workbook
from pypdf import PdfReader

from aftersales.documents.models import Document
from aftersales.documents.services import render_document
from aftersales.reports import monthly, tasks
from aftersales.reports.kpis import SHANGHAI
from aftersales.reports.models import CustomerMonthlyReport
from tests.factories import ContactFactory
from tests.reports.conftest import NOVEMBER


def test_first_working_day(db):
    assert not monthly.is_first_working_day(dt.date(2026, 11, 1))  # a Sunday
    assert monthly.is_first_working_day(dt.date(2026, 11, 2))
    assert not monthly.is_first_working_day(dt.date(2026, 11, 3))


@pytest.fixture
def reports(month):
    made = monthly.generate(NOVEMBER, at=dt.datetime(2026, 12, 1, 6, 30, tzinfo=SHANGHAI))
    return {report.customer_id: report for report in made}


def test_one_report_per_customer_and_month_once(month, reports, customer_b):
    assert set(reports) == {month.customer.pk, customer_b.pk}
    assert monthly.generate(NOVEMBER, at=dt.datetime(2026, 12, 1, 7, tzinfo=SHANGHAI)) == []
    assert Document.objects.filter(kind=monthly.KIND).count() == 2
    with pytest.raises(IntegrityError):
        CustomerMonthlyReport.objects.create(customer=month.customer, month=NOVEMBER.first)


def test_the_task_runs_only_on_the_first_working_day(month):
    with time_machine.travel(dt.datetime(2026, 12, 2, 6, 30, tzinfo=SHANGHAI), tick=False):
        assert tasks.monthly_customer_reports.call_local() == 0  # 2 December: not the first
    with time_machine.travel(dt.datetime(2026, 12, 1, 6, 30, tzinfo=SHANGHAI), tick=False):
        assert tasks.monthly_customer_reports.call_local() == 2  # Tuesday 1 December
        assert tasks.monthly_customer_reports.call_local() == 0


def test_the_pdf_holds_the_customers_figures_in_chinese(month, reports):
    document = Document.objects.get(kind=monthly.KIND, subject_id=reports[month.customer.pk].pk)
    render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    text = "".join(page.extract_text() for page in PdfReader(document.file.open("rb")).pages)
    assert "故障修复及时率" in text and "60.0 %" in text
    assert month.cases["c1"].number in text
    assert month.cases["b1"].number not in text


def test_a_customer_manager_downloads_their_own_only(client, contact_a, month, reports):
    own, other = reports[month.customer.pk], reports[month.cases["b1"].customer_id]
    client.force_login(contact_a)
    page = client.get("/portal/monthly-reports/").content.decode()
    assert "2026-11" in page and str(month.cases["b1"].customer) not in page
    excel = client.get(f"/portal/monthly-reports/{own.pk}/excel/")
    rows = list(load_workbook(io.BytesIO(b"".join(excel.streaming_content))).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {
        month.cases[n].number for n in ("c1", "c2", "c3", "c4", "c5", "c6", "c8", "c10")
    }
    assert client.get(f"/portal/monthly-reports/{other.pk}/excel/").status_code == 404
    document = Document.objects.get(kind=monthly.KIND, subject_id=other.pk)
    assert client.get(f"/portal/monthly-reports/{other.pk}/documents/{document.pk}/").status_code == 404
    assert client.get(f"/portal/monthly-reports/{own.pk}/documents/{document.pk}/").status_code == 404


def test_a_contact_who_is_not_the_manager_gets_none(client, make_user, month, reports):
    from aftersales.accounts.roles import Role

    user = make_user(Role.CUSTOMER, username="plain-a")
    ContactFactory(customer=month.customer, user=user, is_customer_manager=False)
    client.force_login(user)
    assert client.get(f"/portal/monthly-reports/{reports[month.customer.pk].pk}/excel/").status_code == 404


def test_staff_list_for_report_readers(client, manager, engineer, month, reports):
    client.force_login(manager)
    assert client.get("/reports/monthly/").status_code == 200
    assert client.get(f"/reports/monthly/{reports[month.customer.pk].pk}/excel/").status_code == 200
    client.force_login(engineer)
    assert client.get("/reports/monthly/").status_code == 403
