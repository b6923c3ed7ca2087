"""A customer's manager downloads their company's issued service reports (PDF and Excel)."""

from __future__ import annotations

from django.shortcuts import render

from aftersales.core.uploads import store_outage_page
from aftersales.portal.views import portal_page
from aftersales.reports import service_reports
from aftersales.reports.report_views import report_rows


@portal_page
def report_list(request):
    reports = service_reports.visible_reports(request.user).order_by("-period_start", "period_kind")[:120]
    return render(request, "portal/service_reports.html", {"rows": report_rows(reports)})


@portal_page
@store_outage_page
def report_pdf(request, pk, document_pk):
    return service_reports.pdf_response(request.user, pk, document_pk)


@portal_page
def report_xlsx(request, pk):
    return service_reports.xlsx_response(request.user, pk)
