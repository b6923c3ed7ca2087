"""The customer's side of the field service: a visit of one of their cases and its reports'
PDFs. Found only through `field.queries` over `visible_cases`: another customer's visit or
report is the same 404 as one that does not exist."""

from __future__ import annotations

from django.shortcuts import render

from aftersales.core.uploads import store_outage_page
from aftersales.documents.services import document_response
from aftersales.field import queries
from aftersales.portal.views import portal_page


@portal_page
def visit_detail(request, pk):
    visit = queries.get_visible_visit(request.user, pk)
    reports = [
        (report, queries.report_documents(request.user, report).filter(status="ready"))
        for report in visit.reports.all()
    ]
    return render(request, "portal/visit.html", {"visit": visit, "case": visit.case, "reports": reports})


@portal_page
@store_outage_page
def report_document(request, pk, document_pk):
    return document_response(queries.get_report_document(request.user, pk, document_pk))
