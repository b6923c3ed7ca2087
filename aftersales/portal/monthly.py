"""A customer's manager downloads their company's monthly service reports (PDF and Excel)."""

from __future__ import annotations

from django.shortcuts import render

from aftersales.core.uploads import store_outage_page
from aftersales.portal.views import portal_page
from aftersales.reports import monthly
from aftersales.reports.views import monthly_rows


@portal_page
def monthly_reports(request):
    return render(request, "portal/monthly_reports.html", {"rows": monthly_rows(request.user)})


@portal_page
@store_outage_page
def monthly_pdf(request, pk, document_pk):
    return monthly.pdf_response(request.user, pk, document_pk)


@portal_page
def monthly_xlsx(request, pk):
    return monthly.xlsx_response(request.user, pk)
