"""Spare-parts pages: the parts clerk's screen, RMA history and the monthly summary, the
exports, and the small forms of the case page and the portal case page. Thin: parse a form,
call a service, redirect with a message. Rows are found through the scoped queries, so a
customer never reaches another customer's part request or quote (404, as for none)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import policy
from aftersales.cases.queries import get_visible_case, visible_cases
from aftersales.core.errors import DomainError
from aftersales.core.uploads import store_outage_page
from aftersales.customers.models import Contact
from aftersales.installed_base.models import Vendor
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import documents, exports, forms, queries, services
from aftersales.parts import permissions as perms
from aftersales.parts.models import Part, Warehouse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_staff(user) -> None:
    if not queries.may_view_stock(user):
        raise PermissionDenied


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _domain_error(request, error: DomainError, form=None) -> None:
    fields = error.fields or {}
    if not fields:
        messages.error(request, str(error.message))
        return
    for name, errors in fields.items():
        label = form.fields[name].label if form is not None and name in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else str(message))


def _run(request, form, work, back: str):
    """Validate `form`, run `work(cleaned_data)`, and go back to `back` with what happened."""
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    try:
        work(form.cleaned_data)
    except DomainError as error:
        _domain_error(request, error, form)
        return redirect(back)
    messages.success(request, _("Done."))
    return redirect(back)


def _contact_of(row, contact_id: int | None) -> Contact | None:
    """The contact the desk names as having answered: one of the row's customer, or a field error."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id, customer_id=row.customer_id).first()
    if contact is None:
        raise services.PartsError(
            _("Not a contact of this customer."), fields={"contact": [_("Not a contact of this customer.")]}
        )
    return contact


# --- the parts clerk's screen --------------------------------------------------------------------


@login_required
def desk(request):
    """Requests to serve, open RMAs with their due dates, and stock per warehouse."""
    _require_staff(request.user)
    requests = list(queries.requests_to_serve(request.user))
    mine = set(request.user.parts_warehouses.values_list("pk", flat=True))
    available = _availability([row.part_id for row in requests], first=mine)
    context = {
        # Each request with the warehouses that could serve it now.
        "to_serve": [{"request": row, "options": available.get(row.part_id, [])} for row in requests],
        "rmas": rma_deadlines.with_return_views(queries.open_rmas(request.user)),
        "stock": queries.stock_table(request.user),
        "warehouses": Warehouse.objects.filter(is_active=True),
        "parts": Part.objects.filter(is_active=True).select_related("vendor"),
        "movement_kinds": [(kind.value, kind.label) for kind in services.MANUAL_KINDS],
        "recent": queries.visible_movements(request.user)[:20],
        "now": timezone.now(),
        "may_move": policy.allowed(request.user, perms.MOVE_STOCK),
        "may_serve": policy.allowed(request.user, perms.SERVE_REQUEST),
        "may_rma": policy.allowed(request.user, perms.MANAGE_RMA),
    }
    return render(request, "parts/desk.html", context)


def _availability(part_ids: list[int], *, first: set[int]) -> dict[int, list]:
    """Per part: the warehouses that have some available — the clerk's own (`first`) first,
    then the most available."""
    options: dict[int, list] = {}
    rows = queries.StockBalance.objects.filter(part_id__in=part_ids, on_hand__gt=0).select_related("warehouse")
    for balance in rows:
        if balance.available > 0:
            options.setdefault(balance.part_id, []).append(balance)
    for balances in options.values():
        balances.sort(key=lambda b: (b.warehouse_id not in first, -b.available))
    return options


DESK = "parts:desk"


@login_required
@require_POST
def serve(request, pk):
    row = queries.get_visible(queries.visible_part_requests(request.user), pk)
    return _run(
        request,
        forms.ServeForm(request.POST),
        lambda d: services.serve_from_stock(
            request=row, warehouse=d["warehouse"], good_serial=d["good_serial"], by=request.user
        ),
        reverse(DESK),
    )


@login_required
@require_POST
def claim_rma(request, pk):
    row = queries.get_visible(queries.visible_part_requests(request.user), pk)
    return _run(
        request,
        forms.ClaimRmaForm(request.POST),
        lambda d: services.claim_rma(
            number=d["number"], warehouse=d["warehouse"], request=row, direct=d["direct"], by=request.user
        ),
        reverse(DESK),
    )


@login_required
@require_POST
def receive_rma(request, pk):
    rma = queries.get_visible(queries.visible_rmas(request.user), pk)
    return _run(
        request,
        forms.ReceiveForm(request.POST),
        lambda d: services.receive_rma_part(rma=rma, good_serial=d["good_serial"], by=request.user),
        reverse(DESK),
    )


@login_required
@require_POST
def ship_rma(request, pk):
    rma = queries.get_visible(queries.visible_rmas(request.user), pk)
    return _run(
        request,
        forms.ShipForm(request.POST),
        lambda d: services.ship_defective_part(rma=rma, carrier=d["carrier"], waybill=d["waybill"], by=request.user),
        reverse(DESK),
    )


@login_required
@require_POST
def move_stock(request):
    _require_staff(request.user)

    def work(d):
        case = None
        if d["case"]:
            case = visible_cases(request.user).filter(number=d["case"].strip().upper()).first()
            if case is None:
                raise services.PartsError(_("No such case."), fields={"case": [_("No such case.")]})
        return services.record_movement(
            warehouse=d["warehouse"],
            part=d["part"],
            kind=d["kind"],
            quantity=d["quantity"],
            serial=d["serial"],
            reason=d["reason"],
            case=case,
            by=request.user,
        )

    return _run(request, forms.MovementForm(request.POST), work, reverse(DESK))


@login_required
@require_POST
def transfer(request):
    _require_staff(request.user)
    return _run(
        request,
        forms.TransferForm(request.POST),
        lambda d: services.transfer_stock(
            source=d["source"],
            target=d["target"],
            part=d["part"],
            quantity=d["quantity"],
            reason=d["reason"],
            by=request.user,
        ),
        reverse(DESK),
    )


# --- RMA history, the monthly summary, the vendor's master list, charges -------------------------


@login_required
def rma_history(request):
    _require_staff(request.user)
    form = forms.RmaFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = queries.rma_history(request.user, vendor_id=data.get("vendor"), serial=data.get("serial") or "")
    context = {
        "form": form,
        "rmas": rma_deadlines.with_return_views(rows[:500]),
        "vendors": Vendor.objects.all(),
        "now": timezone.now(),
    }
    return render(request, "parts/rmas.html", context, status=400 if form.errors else 200)


def _month(request) -> tuple[int, int]:
    form = forms.MonthForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("month"):
        year, month = form.cleaned_data["month"].split("-")
        return int(year), int(month)
    today = timezone.localdate()
    return today.year, today.month


@login_required
def summary(request):
    _require_staff(request.user)
    year, month = _month(request)
    context = {"month": f"{year:04d}-{month:02d}", "summaries": queries.monthly_summary(year, month)}
    return render(request, "parts/summary.html", context)


@login_required
def summary_export(request):
    _require_staff(request.user)
    year, month = _month(request)
    title = _("RMA summary %(month)s") % {"month": f"{year:04d}-{month:02d}"}
    body = exports.rma_summary_workbook(queries.monthly_summary(year, month), title=title)
    return _download(body, XLSX, f"rma-summary-{year:04d}-{month:02d}.xlsx")


@login_required
def vendor_list_export(request):
    """The vendor's master list for a period: every RMA claimed from it between two days."""
    _require_staff(request.user)
    form = forms.RmaFilterForm(request.GET or None)
    if not form.is_valid() or not form.cleaned_data.get("vendor"):
        messages.error(request, _("Choose a vendor and a period."))
        return redirect("parts:rmas")
    data = form.cleaned_data
    today = timezone.localdate()
    start, end = data.get("start") or today.replace(day=1), data.get("end") or today
    rows = queries.vendor_master_list(data["vendor"], start, end)
    body = exports.rma_list_workbook(rows, title=_("Master list"))
    return _download(body, XLSX, f"rma-master-list-{data['vendor']}-{start}-{end}.xlsx")


@login_required
def charges(request):
    if not policy.allowed(request.user, perms.EXPORT_CHARGES):
        raise PermissionDenied
    return render(request, "parts/charges.html", {"charges": queries.visible_charges(request.user)[:500]})


@login_required
def charges_export(request, fmt: str):
    if not policy.allowed(request.user, perms.EXPORT_CHARGES):
        raise PermissionDenied
    rows = queries.visible_charges(request.user).order_by("created_at", "pk")
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        return _download(exports.charges_csv(rows).encode("utf-8"), "text/csv; charset=utf-8", f"charges-{stamp}.csv")
    return _download(exports.charges_workbook(rows), XLSX, f"charges-{stamp}.xlsx")


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the case page's and the portal's forms ---------------------------------------------------


def _back_to_case(request, case) -> str:
    if policy.allowed(request.user, "customers.contact"):
        return reverse("portal:case", args=[case.number]) + "#parts"
    return reverse("case_detail", args=[case.number]) + "#parts"


@login_required
@require_POST
def file_request(request, number):
    case = get_visible_case(request.user, number)
    return _run(
        request,
        forms.PartRequestForm(request.POST),
        lambda d: services.file_part_request(
            case=case,
            part=d["part"],
            quantity=d["quantity"],
            faulty_serial=d["faulty_serial"],
            note=d["note"],
            by=request.user,
        ),
        _back_to_case(request, case),
    )


@login_required
@require_POST
def answer_request(request, pk, answer: str):
    row = queries.get_visible(queries.visible_part_requests(request.user), pk)
    form = forms.AnswerForm(request.POST)

    def work(d):
        contact = _contact_of(row, d.get("contact"))
        if answer == "confirm":
            return services.confirm_part_request(request=row, by=request.user, contact=contact)
        return services.decline_part_request(request=row, by=request.user, reason=d["reason"], contact=contact)

    return _run(request, form, work, _back_to_case(request, row.case))


@login_required
@require_POST
def fit(request, pk):
    row = queries.get_visible(queries.visible_part_requests(request.user), pk)
    return _run(
        request,
        forms.FitForm(request.POST),
        lambda d: services.fit_part(
            request=row, good_serial=d["good_serial"], faulty_serial=d["faulty_serial"], by=request.user
        ),
        _back_to_case(request, row.case),
    )


@login_required
@require_POST
def cancel_request(request, pk):
    row = queries.get_visible(queries.visible_part_requests(request.user), pk)
    return _run(
        request,
        forms.ReasonForm(request.POST),
        lambda d: services.cancel_part_request(request=row, by=request.user, reason=d["reason"]),
        _back_to_case(request, row.case),
    )


@login_required
@require_POST
def offer_quote(request, number):
    case = get_visible_case(request.user, number)
    return _run(
        request,
        forms.QuoteForm(request.POST),
        lambda d: services.offer_quote(case=case, labour_hours=d["labour_hours"], visits=d["visits"], by=request.user),
        _back_to_case(request, case),
    )


@login_required
@require_POST
def answer_quote(request, pk, answer: str):
    quote = queries.get_visible(queries.visible_quotes(request.user), pk)
    return _run(
        request,
        forms.AnswerForm(request.POST),
        lambda d: services.answer_quote(
            quote=quote, accept=answer == "accept", contact=_contact_of(quote, d.get("contact")), by=request.user
        ),
        _back_to_case(request, quote.case),
    )


@login_required
@require_POST
def offer_return(request, number):
    case = get_visible_case(request.user, number)
    return _run(
        request,
        forms.ReturnOfferForm(request.POST),
        lambda d: services.offer_return(
            case=case, remedy=d["remedy"], reason=d["reason"], refund_amount=d["refund_amount"], by=request.user
        ),
        _back_to_case(request, case),
    )


@login_required
@require_POST
def decide_return(request, pk):
    offer = queries.get_visible(queries.visible_return_offers(request.user), pk)
    return _run(
        request,
        forms.DecisionForm(request.POST),
        lambda d: services.decide_return(
            offer=offer, approve=d["decision"] == "approve", note=d["note"], by=request.user
        ),
        _back_to_case(request, offer.case),
    )


@login_required
@require_POST
def answer_return(request, pk, answer: str):
    offer = queries.get_visible(queries.visible_return_offers(request.user), pk)
    return _run(
        request,
        forms.AnswerForm(request.POST),
        lambda d: services.answer_return(
            offer=offer, agree=answer == "agree", contact=_contact_of(offer, d.get("contact")), by=request.user
        ),
        _back_to_case(request, offer.case),
    )


@login_required
@require_POST
def quote_pdf(request, pk):
    quote = queries.get_visible(queries.visible_quotes(request.user), pk)
    try:
        documents.request_quote_pdf(quote=quote, by=request.user)
        messages.success(request, _("The PDF is being generated."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(_back_to_case(request, quote.case))


@login_required
@store_outage_page
def quote_document(request, pk):
    return documents.quote_document_response(request.user, pk)
