"""Fax (R2.1): the desk logs a fax as a case with the scanned page attached (channel fax)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.cases.models import Case, Channel, Kind, Severity

INTAKE = "/intake/"
TIFF = b"II*\x00" + bytes(64)


@pytest.fixture
def agent_client(client, agent):
    agent.language = "en"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    return client


def _fax(customer, **extra):
    data = {
        "mode": "case",
        "customer": customer.pk,
        "kind": Kind.FAULT,
        "severity": Severity.C,
        "channel": Channel.FAX,
        "title": "传真报修：门诊楼交换机故障",
        "description": "客户传真一页，内容见附件。",
    }
    data.update(extra)
    return data


def test_fax_case_is_logged_with_its_scanned_page(agent_client, customer_a):
    page = SimpleUploadedFile("fax-20261102.tif", TIFF, content_type="image/tiff")
    response = agent_client.post(INTAKE, _fax(customer_a, attachments=[page]))
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.channel == Channel.FAX
    attachment = case.attachments.get()
    assert attachment.name == "fax-20261102.tif" and attachment.file.read() == TIFF


def test_fax_without_the_scanned_page_gets_a_field_error_and_keeps_the_input(agent_client, customer_a):
    response = agent_client.post(INTAKE, _fax(customer_a))
    assert response.status_code == 400
    assert not Case.objects.exists()
    assert response.context["form"].errors["attachments"] == [
        "A fax case needs the scanned fax attached (PDF, TIFF or an image)."
    ]
    page = response.content.decode()
    assert 'data-field-error="attachments"' in page
    assert "传真报修：门诊楼交换机故障" in page  # nothing typed is lost


def test_fax_page_must_be_a_scan(agent_client, customer_a):
    notes = SimpleUploadedFile("notes.docx", b"PK\x03\x04", content_type="application/octet-stream")
    response = agent_client.post(INTAKE, _fax(customer_a, attachments=[notes]))
    assert response.status_code == 400 and not Case.objects.exists()
    assert "“notes.docx” is not a scanned page" in response.context["form"].errors["attachments"][0]


def test_fax_error_is_in_chinese_by_default(client, agent, customer_a):
    client.force_login(agent)  # the default language
    response = client.post(INTAKE, _fax(customer_a))
    assert response.status_code == 400
    assert "传真" in response.context["form"].errors["attachments"][0]


def test_phone_case_still_needs_no_attachment(agent_client, customer_a):
    response = agent_client.post(INTAKE, _fax(customer_a, channel=Channel.PHONE))
    assert response.status_code == 302 and Case.objects.get().channel == Channel.PHONE
