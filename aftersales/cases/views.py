"""Staff pages for cases: thin — parse the request, call a service, render."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import policy
from aftersales.cases import services
from aftersales.cases.documents import case_document_response, request_summary_for_page
from aftersales.cases.forms import (
    ActForm,
    ActionForm,
    AssignForm,
    CommentForm,
    EditForm,
    IntakeForm,
    QueueForm,
    SeverityForm,
    SuspensionDecisionForm,
    SuspensionRequestForm,
)
from aftersales.cases.live import case_version, cases_version
from aftersales.cases.models import Act, EventKind, SuspensionRequest
from aftersales.cases.providers import case_clocks
from aftersales.cases.queries import (
    QueueFilter,
    default_area,
    get_visible_attachment,
    get_visible_case,
    pending_callbacks,
    queue,
    visible_cases,
    visible_events,
)
from aftersales.cases.workflow import moves_for
from aftersales.contracts.entitlement import entitlement_for, entitlements_for
from aftersales.core import live
from aftersales.core.errors import DomainError
from aftersales.core.forms import apply_domain_error
from aftersales.core.pagination import CappedPaginator
from aftersales.core.uploads import file_response, store_outage_page
from aftersales.customers.models import Contact, Customer
from aftersales.customers.queries import lookup
from aftersales.installed_base.models import Equipment

# A rendered queue table is shared this long by the agents who see the same queue (its
# countdowns tick in the browser; "opened 5 minutes ago" may lag by this much).
QUEUE_FRAGMENT_SECONDS = 30
PREFIX_QUEUE = "live:queue:"


def _required(user, permission: str) -> None:
    if not policy.allowed(user, permission):
        raise PermissionDenied


# --- queue ------------------------------------------------------------------------------


@login_required
def case_list(request):
    """The queue; it polls itself (`?partial=live`) and swaps its table when cases change."""
    if live.is_poll(request):
        version = cases_version(request.user)
        return live.answer(request, version, lambda: _queue_fragment(request, version))
    return _queue(request, "cases/case_list.html", live_version=cases_version(request.user))


def _queue_filter(request) -> tuple[QueueForm, QueueFilter]:
    form = QueueForm(request.GET or None, user=request.user)
    f = QueueFilter.from_data(form.cleaned_data) if form.is_valid() else QueueFilter()
    return form, replace(f, area=f.area or default_area(request.user, f))


def _queue(request, template: str, *, partial: bool = False, **extra):
    form, f = _queue_filter(request)
    paginator = CappedPaginator(queue(request.user, f), settings.CASE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("partial", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "filter": f,
            "callbacks": pending_callbacks() if policy.allowed(request.user, "cases.open") else (),
            **extra,
        },
        # A filter that names nothing (an unknown or out-of-range id, a bad status) is a field
        # error above the unfiltered queue (the live fragment shows that queue as it is).
        status=400 if form.errors and not partial else 200,
    )


def _queue_fragment(request, version: str) -> HttpResponse:
    """The queue's table after a change. Every agent's queue asks within a few seconds of each
    change; agents who see the same queue (same filters, language and permissions; staff see
    every case) share one rendering, so a change costs a few renderings, not one per agent."""
    _form, f = _queue_filter(request)
    personal = f.mine or f.area == "mine"  # "mine" and "my region" depend on who asks
    key = live.version(
        "queue",
        version,
        get_language(),
        request.GET.urlencode(),
        f,
        request.user.pk if personal else "",
        policy.allowed(request.user, "cases.read"),
        policy.allowed(request.user, "cases.open"),
    )
    html = cache.get(PREFIX_QUEUE + key)
    if html is None:
        html = _queue(request, "cases/_queue_live.html", partial=True).content.decode()
        cache.set(PREFIX_QUEUE + key, html, QUEUE_FRAGMENT_SECONDS)
    return HttpResponse(html)


# --- one case ---------------------------------------------------------------------------

TIMELINE_FILTERS = {
    "all": None,
    "public": {"is_public": True},
    "status": {"kind__in": [EventKind.STATUS, EventKind.CREATED]},
}


@login_required
def case_detail(request, number, forms: dict | None = None):
    """The case page; it polls itself (`?partial=live`) and swaps its parts when the case
    changes, except a part holding a form being filled in (static/aftersales/live.js)."""
    if forms:  # the answer to a refused form (at the form's address): it does not poll
        return _case_page(request, number, forms)
    if live.is_poll(request):
        version = case_version(request.user, number)
        return live.answer(request, version, lambda: _case_page(request, number, None, live_poll=True))
    return _case_page(request, number, None, live_version=case_version(request.user, number))


def _case_page(request, number, forms: dict | None, **extra):
    case = get_visible_case(request.user, number)
    show = request.GET.get("show", "all")
    events = visible_events(request.user, case).prefetch_related("attachments")
    if TIMELINE_FILTERS.get(show):
        events = events.filter(**TIMELINE_FILTERS[show])
    forms = forms or {}
    can_work = policy.allowed(request.user, "cases.work")
    staff = policy.allowed(request.user, "cases.read")
    context = {
        "case": case,
        "events": events,
        "show": show,
        "transitions": moves_for(request.user, case) if can_work else [],
        "can_work": can_work,
        "action_form": forms.get("action") or ActionForm(),
        "comment_form": forms.get("comment") or CommentForm(),
        "assign_form": forms.get("assign")
        or AssignForm(
            initial={
                "owner": case.owner_id,
                "team": case.team_id,
                "expected_owner": case.owner.username if case.owner is not None else "",
            }
        ),
        "severity_form": forms.get("severity")
        or SeverityForm(initial={"severity": case.severity, "expected_severity": case.severity}),
        "edit_form": forms.get("edit")
        or EditForm(
            initial={
                **{f: getattr(case, f) for f in ("title", "description", "kind", "channel", "tier")},
                # ISO 8601 with microseconds: the exact moment, compared by the service.
                "expected_updated_at": case.updated_at.isoformat(),
            }
        ),
        "attachments": policy.scope(request.user, case.attachments.all()),
        "clocks": case_clocks(case) if staff else [],
        "acts": Act.choices,
        "act_form": forms.get("act") or ActForm(),
        "suspension_form": forms.get("suspension")
        or SuspensionRequestForm(initial={"consent_at": timezone.localtime().replace(second=0, microsecond=0)}),
        "decision_form": forms.get("decision"),
        "pending_suspension": case.suspension_requests.filter(status=SuspensionRequest.Status.PENDING)
        .select_related("requested_by")
        .first(),
        "can_decide_suspension": policy.allowed(request.user, "cases.suspend.decide", case),
        **extra,
    }
    status = 400 if forms else 200
    return render(request, "cases/case_detail.html", context, status=status)


def _post_case(request, number):
    _required(request.user, "cases.work")
    return get_visible_case(request.user, number)


@login_required
@require_POST
def case_action(request, number):
    case = get_visible_case(request.user, number)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return case_detail(request, number, forms={"action": form})
    data = form.cleaned_data
    merge_into = None
    if data["action"] == "merge" and data["merge_into"]:
        merge_into = visible_cases(request.user).filter(number=data["merge_into"].strip().upper()).first()
        if merge_into is None:
            form.add_error("merge_into", _("No case with this number."))
            return case_detail(request, number, forms={"action": form})
    try:
        services.transition(
            case=case,
            action=data["action"],
            by=request.user,
            text=data["text"],
            expected_status=data["expected_status"] or None,
            merge_into=merge_into,
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return case_detail(request, number, forms={"action": form})
    messages.success(request, _("Done."))
    return redirect("case_detail", number=case.number)


@login_required
@require_POST
def case_comment(request, number):
    case = get_visible_case(request.user, number)
    _required(request.user, "cases.work")
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_comment(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                public=form.cleaned_data["public"],
                attachments=form.cleaned_data["attachments"],
                service_report=form.cleaned_data["service_report"],
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"comment": form})


@login_required
@require_POST
def case_assign(request, number):
    case = _post_case(request, number)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.assign(
                case=case,
                by=request.user,
                owner=form.cleaned_data["owner"],
                team=form.cleaned_data["team"],
                expected_owner=form.expected_owner_seen(),
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"assign": form})


@login_required
@require_POST
def case_severity(request, number):
    case = _post_case(request, number)
    form = SeverityForm(request.POST)
    if form.is_valid():
        try:
            services.change_severity(
                case=case,
                by=request.user,
                severity=form.cleaned_data["severity"],
                reason=form.cleaned_data["reason"],
                expected_severity=form.cleaned_data["expected_severity"] or None,
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"severity": form})


@login_required
@require_POST
def case_edit(request, number):
    case = _post_case(request, number)
    form = EditForm(request.POST)
    if form.is_valid():
        try:
            data = dict(form.cleaned_data)
            services.update_case(
                case=case, by=request.user, expected_updated_at=data.pop("expected_updated_at") or None, **data
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"edit": form})


@login_required
@require_POST
def case_record_act(request, number):
    case = _post_case(request, number)
    form = ActForm(request.POST)
    if form.is_valid():
        try:
            services.record_act(
                case=case, by=request.user, act=form.cleaned_data["act"], text=form.cleaned_data["text"]
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"act": form})


@login_required
@require_POST
def case_request_suspension(request, number):
    case = _post_case(request, number)
    form = SuspensionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_suspension(case=case, by=request.user, **form.cleaned_data)
            messages.success(request, _("Suspension requested; a duty manager decides."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"suspension": form})


@login_required
@require_POST
def case_decide_suspension(request, number):
    case = _post_case(request, number)
    form = SuspensionDecisionForm(request.POST)
    if form.is_valid():
        suspension = case.suspension_requests.filter(pk=form.cleaned_data["request"]).first()
        if suspension is None:
            raise Http404
        try:
            services.decide_suspension(
                request=suspension,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            apply_domain_error(form, error)
    return case_detail(request, number, forms={"decision": form})


@login_required
@store_outage_page
def attachment_download(request, pk, name):
    """Files only through the visibility rule; only images, PDF and plain text inline."""
    attachment = get_visible_attachment(request.user, pk)
    if name != attachment.name:
        raise Http404
    return file_response(attachment.file, name=attachment.name, content_type=attachment.content_type)


# --- phone intake -----------------------------------------------------------------------


@login_required
def intake(request):
    """The hotline agent's screen: find the caller, see the entitlement, log the call."""
    _required(request.user, "cases.open")
    params = request.POST if request.method == "POST" else request.GET
    customer = _pick(Customer.objects.filter(is_active=True), params.get("customer"))
    contact = _pick(Contact.objects.filter(customer=customer), params.get("contact")) if customer else None
    equipment = _pick(Equipment.objects.filter(customer=customer), params.get("equipment")) if customer else None
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES)
        if form.is_valid():
            result = _log_intake(request, form)
            if result is not None:
                return result
    else:
        initial = {
            "customer": customer,
            "contact": contact,
            "equipment": equipment,
            "site": equipment.site if equipment else None,
            # A call-back requested in the portal pre-fills what the customer wrote.
            **{k: params[k] for k in ("severity", "title", "description") if params.get(k)},
        }
        form = IntakeForm(initial=initial, customer=customer)
    if request.GET.get("partial") == "lookup":
        return render(request, "cases/_lookup_results.html", {"results": lookup(request.GET.get("q", ""))})
    if request.GET.get("partial") == "entitlement":
        return render(request, "cases/_entitlement.html", _entitlement_context(equipment, request.GET.get("cause", "")))
    context = {
        "form": form,
        "q": request.GET.get("q", ""),
        "results": lookup(request.GET.get("q", "")) if "q" in request.GET else None,
        "customer": customer,
        "hotline": settings.HOTLINE_NUMBER,
    }
    if customer:
        context.update(_customer_card(customer))
        context.update(_entitlement_context(equipment, params.get("excluded_cause", "")))
    return render(request, "cases/intake.html", context, status=400 if form.errors else 200)


def _pick(queryset, pk):
    return queryset.filter(pk=pk).first() if pk and str(pk).isdigit() else None


def _log_intake(request, form):
    data = form.cleaned_data
    try:
        if data["mode"] == IntakeForm.MODE_CONSULTATION:
            services.log_consultation(
                customer=data["customer"],
                contact=data["contact"],
                equipment=data["equipment"],
                channel=data["channel"],
                question=f"{data['title']}\n{data['description']}",
                answer=data["answer"],
                by=request.user,
            )
            messages.success(request, _("Consultation recorded."))
            return redirect(f"{request.path}?customer={data['customer'].pk}")
        case = services.open_case(
            customer=data["customer"],
            contact=data["contact"],
            site=data["site"],
            equipment=data["equipment"],
            excluded_cause=data["excluded_cause"] or "",
            kind=data["kind"],
            severity=data["severity"],
            channel=data["channel"],
            title=data["title"],
            description=data["description"],
            attachments=data["attachments"],
            opened_at=data["opened_at"],
            owner=data["owner"],
            team=data["team"],
            by=request.user,
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return None
    messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
    return redirect("case_detail", number=case.number)


def _customer_card(customer: Customer) -> dict:
    today = timezone.localdate()
    equipment = list(customer.equipment.select_related("product_model__vendor", "site"))
    entitlements = entitlements_for(equipment, on=today)
    for item in equipment:
        item.entitlement = entitlements[item.pk]
    return {
        "contacts": customer.contacts.filter(is_active=True),
        "sites": customer.sites.select_related("service_office"),
        "equipment_list": equipment,
        "contracts": customer.contracts.all(),
        "recent_cases": customer.cases.order_by("-opened_at")[:8],
        "recent_consultations": customer.consultations.select_related("answered_by")[:5],
        "today": today,
    }


def _entitlement_context(equipment, cause: str) -> dict:
    if equipment is None:
        return {"entitlement": None}
    return {
        "entitlement": entitlement_for(equipment, on=timezone.localdate(), excluded_cause=cause),
        "chosen_equipment": equipment,
    }


# --- printable summary (PDF) -------------------------------------------------------------


@login_required
@require_POST
def case_summary(request, number):
    """Queue a summary PDF of a case the user can see; the page then lists it."""
    case = get_visible_case(request.user, number)
    request_summary_for_page(request, case)
    return redirect(reverse("case_detail", args=[case.number]) + "#documents")


@login_required
@store_outage_page
def case_document(request, number, pk):
    """A document of the case, found only through visible_cases: otherwise 404, like none."""
    return case_document_response(request.user, number, pk)
