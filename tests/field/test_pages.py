"""The field pages: the engineer's day, the visit on the phone, the report form (idempotent), and
what customers see in the portal — their own visits and reports only, 404 for anyone else's."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.documents.models import Document
from aftersales.documents.services import render_document
from aftersales.field import services
from aftersales.field.models import ServiceReport, Visit
from tests.field.conftest import signature_png

pytestmark = pytest.mark.django_db


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _report_post(key=None, **overrides):
    now = timezone.localtime()
    data = {
        "idempotency_key": str(key or uuid.uuid4()),
        "kind": "repair",
        "started_at": (now - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "finished_at": now.strftime("%Y-%m-%dT%H:%M"),
        "work_done": "更换电源模块",
        "test_result": "passed",
        "test_notes": "",
        "open_points": "UPS 电池老化\n",
        "customer_signer": "王主任",
        "customer_signature": _data_url(signature_png()),
        "engineer_signature": _data_url(signature_png()),
        "material_name": ["电源模块", ""],
        "material_part_number": ["PS-1", ""],
        "material_serial_number": ["SN9", ""],
        "material_quantity": ["1", ""],
    }
    data.update(overrides)
    return data


@pytest.fixture
def completed_visit(visit, engineer, walk):
    return walk(visit, engineer, "depart", "arrive", "confirm_symptom", "complete")


def test_my_visits_today_lists_the_engineers_visit(client, visit, engineer):
    client.force_login(engineer)
    page = client.get(reverse("field:today"))
    assert page.status_code == 200
    assert reverse("field:visit", args=[visit.pk]) in page.content.decode()


def test_check_in_through_the_page_with_and_without_position(client, visit, engineer):
    client.force_login(engineer)
    url = reverse("field:visit_move", args=[visit.pk])
    answer = client.post(
        url,
        {"action": "arrive", "expected_status": "planned", "latitude": "31.2", "longitude": "121.4", "accuracy": ""},
    )
    assert answer.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ON_SITE and visit.arrival_latitude is not None


def test_early_check_out_shows_the_reason_in_chinese(client, visit, engineer, walk):
    walk(visit, engineer, "arrive")
    client.force_login(engineer)
    answer = client.post(reverse("field:visit_move", args=[visit.pk]), {"action": "check_out"})
    assert answer.status_code == 422
    assert "客户" in answer.content.decode() and "确认" in answer.content.decode()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ON_SITE


def test_report_form_submitted_twice_makes_one_report(client, completed_visit, engineer):
    client.force_login(engineer)
    url = reverse("field:report_new", args=[completed_visit.pk])
    assert client.get(url).status_code == 200
    data = _report_post()
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    report = ServiceReport.objects.get()
    assert report.materials[0]["name"] == "电源模块"
    assert report.open_points.get().case is not None


def test_report_form_errors_are_by_field(client, completed_visit, engineer):
    client.force_login(engineer)
    url = reverse("field:report_new", args=[completed_visit.pk])
    answer = client.post(url, _report_post(customer_signature="", material_quantity=["x", ""]))
    assert answer.status_code == 422
    body = answer.content.decode()
    assert 'data-field-error="customer_signature"' in body
    blank = client.post(url, _report_post(customer_signature=_data_url(signature_png(blank=True))))
    assert blank.status_code == 422 and 'data-field-error="customer_signature"' in blank.content.decode()
    assert not ServiceReport.objects.exists()


def test_case_page_shows_its_visits_to_staff_and_in_the_portal(client, visit, engineer, contact_a):
    client.force_login(engineer)
    page = client.get(reverse("case_detail", args=[visit.case.number])).content.decode()
    assert 'data-testid="case-visits"' in page and reverse("field:visit", args=[visit.pk]) in page
    client.force_login(contact_a)
    portal = client.get(reverse("portal:case", args=[visit.case.number])).content.decode()
    assert reverse("portal:visit", args=[visit.pk]) in portal
    assert "engineer" not in portal.split('data-testid="case-visits"')[1].split("</section>")[0]


def test_customers_see_their_own_visit_and_report_only(client, completed_visit, engineer, contact_a, contact_b):
    report = services.submit_report(
        visit=completed_visit,
        by=engineer,
        idempotency_key=uuid.uuid4(),
        kind="repair",
        work_done="更换电源模块",
        started_at=timezone.now() - timezone.timedelta(hours=1),
        finished_at=timezone.now(),
        test_result="passed",
        customer_signer="王主任",
        customer_signature=signature_png(),
        engineer_signature=signature_png(),
    )
    document = Document.objects.get(kind="service_report")
    render_document(document.pk)
    visit_url = reverse("portal:visit", args=[completed_visit.pk])
    pdf_url = reverse("portal:report_document", args=[report.pk, document.pk])

    client.force_login(contact_a)
    assert client.get(visit_url).status_code == 200
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    client.force_login(contact_b)
    assert client.get(visit_url).status_code == 404
    assert client.get(pdf_url).status_code == 404
    assert client.get(reverse("portal:visit", args=[999999])).status_code == 404
    # Staff pages send a customer to the portal before anything is looked up.
    staff = client.get(reverse("field:visit", args=[completed_visit.pk]))
    assert staff.status_code == 302 and staff["Location"] == reverse("portal:home")


def test_staff_download_the_pdf_from_the_report_page(client, completed_visit, engineer, sales):
    client.force_login(engineer)
    client.post(reverse("field:report_new", args=[completed_visit.pk]), _report_post())
    report = ServiceReport.objects.get()
    document = Document.objects.get(kind="service_report")
    render_document(document.pk)
    page = client.get(reverse("field:report", args=[report.pk])).content.decode()
    url = reverse("field:report_document", args=[report.pk, document.pk])
    assert url in page
    assert client.get(url)["Content-Type"] == "application/pdf"
    # Sales read everything but may not act: no report form, no move.
    client.force_login(sales)
    assert client.get(reverse("field:report_new", args=[completed_visit.pk])).status_code == 404
    answer = client.post(reverse("field:visit_move", args=[completed_visit.pk]), {"action": "confirm_result"})
    assert answer.status_code == 422


def test_dispatch_page(client, case_a, manager, engineer):
    client.force_login(manager)
    url = reverse("field:dispatch", args=[case_a.number])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"planned_departure_at": "tomorrow"})
    assert bad.status_code == 422
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    answer = client.post(url, {"engineers": [engineer.pk], "planned_departure_at": when, "purpose": "现场排障"})
    assert answer.status_code == 302
    assert Visit.objects.get().engineers.get() == engineer


@pytest.mark.parametrize(
    "path",
    [
        "/field/visits/99999999999999999999999/",
        "/field/reports/99999999999999999999999/",
        "/field/reports/1/documents/99999999999999999999999/",
        "/field/cases/CS000000-000000/dispatch/",
    ],
)
def test_unknown_or_hostile_addresses_are_404(client, engineer, path):
    client.force_login(engineer)
    assert client.get(path).status_code == 404


def test_the_visit_page_shows_its_history_in_chinese(client, visit, engineer, walk):
    walk(visit, engineer, "depart", "arrive")
    client.force_login(engineer)
    page = client.get(reverse("field:visit", args=[visit.pk])).content.decode()
    history = page.split('data-testid="visit-timeline"')[1]
    assert "工程师已到场签到" in history and "工程师已出发" in history and "已派工程师" in history
    assert "在途 → 现场" in history


def test_a_colleague_who_does_not_see_the_case_does_not_see_its_visit(client, visit, make_user, customer_a):
    from aftersales.accounts.roles import Role
    from tests.factories import ContactFactory

    colleague = make_user(Role.CUSTOMER, username="colleague-a")
    ContactFactory(customer=customer_a, user=colleague, name="同事", is_customer_manager=False)
    client.force_login(colleague)
    assert client.get(reverse("portal:visit", args=[visit.pk])).status_code == 404
