"""Service reports: written once per form, signatures checked, open points become linked cases
once, the PDF reads back in Chinese, and the customer gets it by e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.documents.models import Audience, Document
from aftersales.documents.services import render_document
from aftersales.field import services
from aftersales.field.models import OpenPoint, ReportKind, ServiceReport, Visit
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from tests.documents.pdf import pdf_text, stored_bytes
from tests.field.conftest import signature_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed_visit(visit, engineer, walk):
    return walk(visit, engineer, "depart", "arrive", "confirm_symptom", "complete")


def test_report_confirms_the_result_and_is_on_three_timelines(completed_visit, engineer, report_fields):
    report = services.submit_report(visit=completed_visit, by=engineer, **report_fields())
    completed_visit.refresh_from_db()
    assert completed_visit.status == Visit.Status.CONFIRMED
    assert completed_visit.result_confirmed_by == "王主任"
    assert report.materials == [
        {"name": "中继板 TN464F", "quantity": 1, "part_number": "TN464F", "serial_number": "SN123456"}
    ]
    case = completed_visit.case
    assert case.events.filter(kind="field.case.report").count() == 1
    # The engineer may now leave.
    services.move_visit(visit=completed_visit, action="check_out", by=engineer)


def test_the_same_form_twice_makes_one_report(completed_visit, engineer, report_fields):
    fields = report_fields(open_points=["机房空调漏水，需物业处理"])
    first = services.submit_report(visit=completed_visit, by=engineer, **fields)
    again = services.submit_report(visit=completed_visit, by=engineer, **fields)
    assert again.pk == first.pk
    assert ServiceReport.objects.count() == 1
    assert OpenPoint.objects.count() == 1
    assert Document.objects.filter(kind="service_report").count() == 1


def test_a_second_report_of_the_same_kind_is_refused_another_kind_is_not(completed_visit, engineer, report_fields):
    services.submit_report(visit=completed_visit, by=engineer, **report_fields())
    with pytest.raises(DomainError) as refused:
        services.submit_report(visit=completed_visit, by=engineer, **report_fields())
    assert "kind" in refused.value.fields
    services.submit_report(visit=completed_visit, by=engineer, **report_fields(kind=ReportKind.USER_SERVICE))
    assert completed_visit.reports.count() == 2


def test_open_points_open_linked_cases_for_the_same_customer_and_equipment(completed_visit, engineer, report_fields):
    case = completed_visit.case
    report = services.submit_report(
        visit=completed_visit, by=engineer, **report_fields(open_points=["备用电源告警未消除", "  ", "话务台键盘失灵"])
    )
    points = list(report.open_points.select_related("case"))
    assert [p.text for p in points] == ["备用电源告警未消除", "话务台键盘失灵"]
    for point in points:
        follow_up = point.case
        assert follow_up.customer_id == case.customer_id
        assert follow_up.equipment_id == case.equipment_id
        assert follow_up.follow_up_of_id == case.pk
        assert follow_up.title == point.text
        assert case.number in follow_up.description
        assert follow_up.events.filter(kind="note", text__contains=case.number).exists()
        assert case.events.filter(kind="note", text__contains=follow_up.number).exists()
    assert Case.objects.count() == 3


def test_report_before_the_work_is_completed_is_refused(visit, engineer, walk, report_fields):
    walk(visit, engineer, "arrive")
    with pytest.raises(DomainError, match="once the work is completed"):
        services.submit_report(visit=visit, by=engineer, **report_fields())
    assert not ServiceReport.objects.exists()


def test_only_an_engineer_of_the_visit_reports(completed_visit, outsider_engineer, report_fields):
    with pytest.raises(NotAllowed):
        services.submit_report(visit=completed_visit, by=outsider_engineer, **report_fields())


@pytest.mark.parametrize(
    "signature",
    [b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n" + b"0" * 50, "blank", "huge", "wide"],
    ids=["empty", "gif", "broken-png", "blank", "huge", "wide"],
)
def test_signatures_are_checked(completed_visit, engineer, report_fields, signature):
    signature = {
        "blank": signature_png(blank=True),
        "huge": b"\x89PNG\r\n\x1a\n" + b"\0" * (services.MAX_SIGNATURE_BYTES + 1),
        "wide": signature_png(size=(services.MAX_SIGNATURE_SIDE + 1, 10)),
    }.get(signature, signature)
    with pytest.raises(DomainError) as refused:
        services.submit_report(visit=completed_visit, by=engineer, **report_fields(customer_signature=signature))
    assert list(refused.value.fields) == ["customer_signature"]
    assert not ServiceReport.objects.exists()


def test_bad_fields_are_reported_by_field(completed_visit, engineer, report_fields):
    now = timezone.now()
    with pytest.raises(DomainError) as refused:
        services.submit_report(
            visit=completed_visit,
            by=engineer,
            **report_fields(
                kind="other",
                test_result="maybe",
                work_done=" ",
                customer_signer="",
                started_at=now,
                finished_at=now - dt.timedelta(hours=1),
            ),
        )
    assert set(refused.value.fields) == {"kind", "test_result", "work_done", "customer_signer", "finished_at"}
    with pytest.raises(DomainError) as refused:
        services.submit_report(visit=completed_visit, by=engineer, **report_fields(idempotency_key="not-a-uuid"))
    assert "idempotency_key" in refused.value.fields


def test_material_lines_are_parsed_with_messages():
    lines, errors = services.parse_materials(
        [
            {"name": "光模块", "quantity": "2"},
            {"name": "", "quantity": ""},
            {"name": "尾纤", "quantity": "0"},
            {"name": "", "part_number": "X1", "quantity": "1"},
        ]
    )
    assert lines == [services.Material("光模块", 2)]
    assert len(errors) == 2 and "3" in errors[0] and "4" in errors[1]


def test_pdf_in_chinese_holds_the_title_the_customer_and_both_copies(completed_visit, engineer, report_fields):
    report = services.submit_report(
        visit=completed_visit, by=engineer, **report_fields(open_points=["备用电源告警未消除"])
    )
    document = Document.objects.get(kind="service_report")
    assert (document.audience, document.language) == (Audience.CUSTOMER, "zh-hans")
    render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    text = pdf_text(stored_bytes(document))
    assert "现场维修报告" in text
    assert completed_visit.case.customer.name in text
    assert "王主任" in text and "备用电源告警未消除" in text
    assert report.open_points.get().case.number in text

    user_report = services.submit_report(
        visit=completed_visit, by=engineer, **report_fields(kind=ReportKind.USER_SERVICE)
    )
    document = Document.objects.filter(kind="service_report", subject_id=user_report.pk).get()
    render_document(document.pk)
    document.refresh_from_db()
    text = pdf_text(stored_bytes(document))
    assert "用户服务报告" in text
    assert "服务部" in text and "呼叫中心" in text


def test_customer_gets_the_pdf_by_mail_rendered_when_sent(completed_visit, engineer, report_fields, contact_a):
    case = completed_visit.case
    contact = contact_a.contact
    Case.objects.filter(pk=case.pk).update(contact=contact)
    contact.email = "wang@hospital-a.example"
    contact.save()
    completed_visit.refresh_from_db()
    fields = report_fields()
    services.submit_report(visit=completed_visit, by=engineer, **fields)
    services.submit_report(visit=completed_visit, by=engineer, **fields)  # the retry mails nothing more
    mail.outbox.clear()
    deliver_due(now=timezone.now() + dt.timedelta(seconds=1))
    sent = [m for m in mail.outbox if m.to == ["wang@hospital-a.example"]]
    assert len(sent) == 1
    (name, content, mimetype), *_ = sent[0].attachments
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    assert "现场维修报告" in pdf_text(content)
    assert case.number in sent[0].subject
    row = Notification.objects.get(kind="service_report")
    assert row.status == Notification.Status.SENT
