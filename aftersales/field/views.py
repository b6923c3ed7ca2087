"""Staff pages of the field service: the engineer's day, a visit on the phone, the dispatch
form, the report form and the report's PDF. Thin: parse, call a service, render. Every read
goes through `field.queries` (the case's visibility rule) and the policy."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import policy
from aftersales.cases.queries import get_visible_case
from aftersales.core.errors import DomainError
from aftersales.core.forms import apply_domain_error
from aftersales.core.uploads import store_outage_page
from aftersales.documents.services import document_response
from aftersales.field import queries, services
from aftersales.field.forms import MATERIAL_ROWS, DispatchForm, MoveForm, ReportForm
from aftersales.field.models import ReportKind, Visit
from aftersales.field.permissions import DISPATCH, REPORT, VIEW
from aftersales.field.workflow import next_moves


def staff_page(view):
    """Staff only (customers never reach here: the boundary sends them to the portal)."""

    @login_required
    def wrapper(request, *args, **kwargs):
        if not policy.allowed(request.user, VIEW):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@staff_page
def today(request):
    """我的今日现场: the engineer's visits of today and those still under way."""
    visits = queries.my_visits_day(request.user).prefetch_related("engineers")
    return render(request, "field/today.html", {"visits": visits})


@staff_page
def visit_detail(request, pk, form: MoveForm | None = None, status: int = 200):
    visit = queries.get_visible_visit(request.user, pk)
    context = {
        "visit": visit,
        "case": visit.case,
        "moves": next_moves(visit, request.user),
        "form": form or MoveForm(initial={"confirmed_kind": Visit.ConfirmedBy.CUSTOMER}),
        "engineers": visit.engineers.all(),
        "reports": visit.reports.all(),
        "can_report": policy.allowed(request.user, REPORT, visit) and visit.status in services.REPORTABLE,
    }
    return render(request, "field/visit.html", context, status=status)


@staff_page
@require_POST
def visit_move(request, pk):
    visit = queries.get_visible_visit(request.user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return visit_detail(request, pk, form=form, status=422)
    data = form.cleaned_data
    try:
        services.move_visit(
            visit=visit,
            action=data["action"],
            by=request.user,
            expected_status=data["expected_status"] or None,
            text=data["text"],
            confirmed_by=data["confirmed_by"],
            confirmed_kind=data["confirmed_kind"],
            position=services.parse_position(data["latitude"], data["longitude"], data["accuracy"]),
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return visit_detail(request, pk, form=form, status=422)
    messages.success(request, _("Recorded."))
    return redirect("field:visit", pk=visit.pk)


@staff_page
def dispatch(request, number):
    case = get_visible_case(request.user, number)
    if not policy.allowed(request.user, DISPATCH, case):
        raise Http404
    form = DispatchForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                visit = services.dispatch_visit(
                    case=case,
                    by=request.user,
                    engineers=list(form.cleaned_data["engineers"]),
                    planned_departure_at=form.cleaned_data["planned_departure_at"],
                    purpose=form.cleaned_data["purpose"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The engineers are dispatched."))
                return redirect("field:visit", pk=visit.pk)
        status = 422
    return render(request, "field/dispatch.html", {"case": case, "form": form}, status=status)


@staff_page
def report_new(request, pk):
    visit = queries.get_visible_visit(request.user, pk)
    if not policy.allowed(request.user, REPORT, visit):
        raise Http404
    form = ReportForm(request.POST or None, visit=visit)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.submit_report(
                    visit=visit,
                    by=request.user,
                    idempotency_key=data["idempotency_key"],
                    kind=data["kind"],
                    work_done=data["work_done"],
                    started_at=data["started_at"],
                    finished_at=data["finished_at"],
                    test_result=data["test_result"],
                    test_notes=data["test_notes"],
                    customer_signer=data["customer_signer"],
                    customer_signature=data["customer_signature"],
                    engineer_signature=data["engineer_signature"],
                    materials=form.materials,
                    open_points=form.open_point_lines(),
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The report is signed and saved; the PDF is being generated."))
                return redirect("field:report", pk=report.pk)
        status = 422
    context = {
        "visit": visit,
        "case": visit.case,
        "form": form,
        "material_rows": range(MATERIAL_ROWS),
        "kinds": ReportKind.choices,
    }
    return render(request, "field/report_form.html", context, status=status)


@staff_page
def report_detail(request, pk):
    report = queries.get_visible_report(request.user, pk)
    context = {
        "report": report,
        "visit": report.visit,
        "case": report.visit.case,
        "documents": queries.report_documents(request.user, report),
        "open_points": report.open_points.select_related("case"),
    }
    return render(request, "field/report.html", context)


@staff_page
@store_outage_page
def report_document(request, pk, document_pk):
    return document_response(queries.get_report_document(request.user, pk, document_pk))
