"""The repair quote as a PDF: rendered with its lines in Chinese, downloaded by the customer of
the case and by staff, a 404 for anyone else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.cases import services as case_services
from aftersales.documents.models import Document
from aftersales.documents.services import render_document
from aftersales.parts import services
from aftersales.parts.documents import quote_documents, request_quote_pdf
from tests.documents.pdf import pdf_text, stored_bytes
from tests.factories import EquipmentFactory


@pytest.fixture
def quote(open_case, customer_a, equipment_a, engineer):
    old = EquipmentFactory(site=equipment_a.site, acceptance_date=dt.date(2019, 1, 1), contract_price=Decimal("50000"))
    case = case_services.transition(case=open_case(customer_a, equipment=old), action="accept", by=engineer)
    return services.offer_quote(case=case, labour_hours=Decimal("1"), visits=1, by=engineer)


def test_the_quote_pdf_holds_the_lines_and_the_total(quote, contact_a):
    document = render_document(request_quote_pdf(quote=quote, by=contact_a).pk)
    assert document.status == Document.Status.READY, document.error
    text = pdf_text(stored_bytes(document))
    assert "维修报价" in text and "6000.00" in text and quote.case.number in text


def test_the_customer_downloads_it_and_another_customer_gets_404(client, quote, contact_a, contact_b):
    client.force_login(contact_a)
    assert client.post(reverse("parts:quote_pdf", args=[quote.pk])).status_code == 302
    document = render_document(quote_documents(contact_a, quote)[0].pk)
    assert client.get(reverse("parts:quote_document", args=[document.pk])).status_code == 200
    client.force_login(contact_b)
    assert client.get(reverse("parts:quote_document", args=[document.pk])).status_code == 404
    assert client.post(reverse("parts:quote_pdf", args=[quote.pk])).status_code == 404
