"""The staff pages of the service reports: the list (filters by kind, period, customer, status)
and a report's page, where a manager writes the narrative, sends it for review, a reviewer
approves or rejects it, and a manager issues it; the downloads. Thin views over
`service_reports`; every report is found through `visible_reports`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import policy
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request
from aftersales.core.errors import DomainError
from aftersales.core.pagination import CappedPaginator
from aftersales.core.uploads import store_outage_page
from aftersales.reports import figures, service_reports
from aftersales.reports import permissions as perms
from aftersales.reports.forms import NarrativeForm, ReportListForm, ReviewForm
from aftersales.reports.models import ReportStatus

PAGE_SIZE = 50


def _required(user) -> None:
    if not policy.allowed(user, perms.VIEW):
        raise PermissionDenied


def report_rows(reports) -> list[dict]:
    return [{"report": report, "pdf": service_reports.latest_pdf(report)} for report in reports]


@login_required
def report_list(request):
    _required(request.user)
    form = ReportListForm(request.GET or None, user=request.user)
    reports = service_reports.visible_reports(request.user)
    valid = form.is_valid() if form.is_bound else True
    if form.is_bound and valid:
        reports = form.narrow(reports)
    page = CappedPaginator(reports.order_by("-period_start", "period_kind", "customer__name", "pk"), PAGE_SIZE)
    current = page.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": current, "rows": report_rows(current), "query": query.urlencode()}
    return render(request, "reports/service_reports.html", context, status=200 if valid else 400)


def _page_context(request, report, narrative_form=None, review_form=None) -> dict:
    user = request.user
    current = service_reports.current_figures(report)
    draft = report.status == ReportStatus.DRAFT
    may_write = draft and policy.allowed(user, perms.WRITE, report)
    pending = service_reports.pending_review(report)
    return {
        "report": report,
        "title": service_reports.title(report),
        "figures": figures.readable(current, report.breach_reasons),
        "narrative": service_reports.narrative(report),
        "narrative_form": narrative_form
        or (NarrativeForm(report=report, breaches=current["breaches"]) if may_write else None),
        "review_form": review_form or ReviewForm(),
        "may_write": may_write,
        "may_submit": may_write,
        "may_review": pending is not None and service_reports.may_review(user, pending),
        "pending": pending,
        "may_issue": report.status == ReportStatus.APPROVED and policy.allowed(user, perms.ISSUE, report),
        "reviews": approvals.requests_for(report, kind=service_reports.APPROVAL)
        .select_related("requester", "decided_by")
        .exclude(status=Request.Status.PENDING),
        "pdf": service_reports.latest_pdf(report),
    }


def _domain_error(request, error: DomainError, form=None) -> None:
    for name, errors in error.fields.items():
        for message in errors:
            if form is not None and name in form.fields:
                form.add_error(name, str(message))
    messages.error(request, str(error.message))


@login_required
def report_page(request, pk):
    """GET: the report; POST: save the narrative and the breaches' reasons (drafts only)."""
    _required(request.user)
    report = service_reports.get_visible_report(request.user, pk)
    if request.method != "POST":
        return render(request, "reports/service_report.html", _page_context(request, report))
    if report.status != ReportStatus.DRAFT or not policy.allowed(request.user, perms.WRITE, report):
        messages.error(request, _("Only a draft report can be changed."))
        return render(request, "reports/service_report.html", _page_context(request, report), status=400)
    breaches = service_reports.current_figures(report)["breaches"]
    form = NarrativeForm(request.POST, report=report, breaches=breaches)
    if not form.is_valid():
        return render(request, "reports/service_report.html", _page_context(request, report, form), status=400)
    try:
        service_reports.save_narrative(report=report, by=request.user, sections=form.sections(), reasons=form.reasons())
    except DomainError as error:
        _domain_error(request, error, form)
        return render(request, "reports/service_report.html", _page_context(request, report, form), status=400)
    if "submit" in request.POST:
        return _act(request, report, lambda: service_reports.submit_for_review(report=report, by=request.user), form)
    messages.success(request, _("Saved."))
    return redirect("reports:report", report.pk)


def _act(request, report, work, form=None):
    try:
        work()
    except DomainError as error:
        _domain_error(request, error, form)
        if form is not None:
            context = _page_context(request, service_reports.get_visible_report(request.user, report.pk), form)
            return render(request, "reports/service_report.html", context, status=400)
        return redirect("reports:report", report.pk)
    messages.success(request, _("Done."))
    return redirect("reports:report", report.pk)


@login_required
@require_POST
def report_submit(request, pk):
    _required(request.user)
    report = service_reports.get_visible_report(request.user, pk)
    return _act(request, report, lambda: service_reports.submit_for_review(report=report, by=request.user))


@login_required
@require_POST
def report_review(request, pk):
    _required(request.user)
    report = service_reports.get_visible_report(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        context = _page_context(request, report, review_form=form)
        return render(request, "reports/service_report.html", context, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    note = form.cleaned_data["note"]
    return _act(
        request, report, lambda: service_reports.review(report=report, by=request.user, approve=approve, note=note)
    )


@login_required
@require_POST
def report_issue(request, pk):
    _required(request.user)
    report = service_reports.get_visible_report(request.user, pk)
    return _act(request, report, lambda: service_reports.issue(report=report, by=request.user))


@login_required
@store_outage_page
def report_pdf(request, pk, document_pk):
    _required(request.user)
    return service_reports.pdf_response(request.user, pk, document_pk)


@login_required
def report_xlsx(request, pk):
    _required(request.user)
    return service_reports.xlsx_response(request.user, pk)
