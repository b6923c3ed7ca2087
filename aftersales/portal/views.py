"""The customer portal: thin views over cases.services and portal.services.

Every case read goes through cases.queries (visible_cases, visible_events,
get_visible_attachment); attachments are downloaded through the staff pages' checked view.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import policy
from aftersales.api.throttling import address_budget, client_address, parse_rate, retry_message, spend
from aftersales.cases import services as case_services
from aftersales.cases.documents import case_document_response, request_summary_for_page
from aftersales.cases.live import cases_version
from aftersales.cases.models import FINISHED_STATUSES, CallbackRequest, Severity, Status
from aftersales.cases.queries import by_status, get_visible_case, name_shown_to, visible_cases, visible_events
from aftersales.core import live
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.core.forms import apply_domain_error
from aftersales.core.pagination import CappedPaginator
from aftersales.core.redirects import safe_next_url
from aftersales.core.uploads import store_outage_page
from aftersales.customers.models import Contact
from aftersales.portal import services
from aftersales.portal.forms import ConfirmForm, PortalCaseForm, RegisterForm, RejectForm, ReplyForm
from aftersales.portal.models import Registration
from aftersales.portal.queries import pending_registrations

PORTAL_PAGE_SIZE = 20
# The portal's two lists: the queue's "open" (resolved ones wait for the contact's
# confirmation) and "finished" status filters.
LISTS = ("open", "finished")


def portal_page(view):
    """For a customer's contact only; staff are sent to their own pages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if policy.allowed(user, "cases.read"):
            return redirect("case_list")
        try:
            request.contact = services.portal_contact(user)
        except NotAllowed:
            raise PermissionDenied from None
        return view(request, *args, **kwargs)

    return wrapper


def staff_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.allowed(request.user, "customers.invite"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- the contact's pages ----------------------------------------------------------------------


@portal_page
def home(request):
    """The contact's cases; the list polls itself (`?partial=live`) and changes only with the
    cases this contact may see (`cases.live.cases_version`)."""
    if live.is_poll(request):
        version = cases_version(request.user)
        return live.answer(request, version, lambda: _home(request, "portal/_case_cards.html"))
    return _home(request, "portal/home.html", live_version=cases_version(request.user))


def _home(request, template: str, **extra):
    shown = request.GET.get("show", "open")
    cases = visible_cases(request.user).select_related("contact", "equipment__product_model")
    if shown in LISTS:
        cases = by_status(cases, shown)
    page = CappedPaginator(cases.order_by("-opened_at", "-pk"), PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "show": shown, "contact": request.contact, **extra})


@portal_page
def case_new(request):
    form = PortalCaseForm(request.POST or None, request.FILES or None, contact=request.contact)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["severity"] in (Severity.A, Severity.B):
                callback = services.request_callback(
                    by=request.user,
                    equipment=data["equipment"],
                    severity=data["severity"],
                    description=f"{data['title']}\n{data['description']}",
                    phone=data["callback_phone"],
                )
                return render(request, "portal/callback_requested.html", {"callback": callback})
            case = services.open_portal_case(
                by=request.user,
                equipment=data["equipment"],
                title=data["title"],
                description=data["description"],
                severity=data["severity"],
                kind=data["kind"],
                attachments=data["attachments"],
                copies=data.get("copies") or (),
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Case %(number)s opened. We will be in touch.") % {"number": case.number})
            return redirect("portal:case", number=case.number)
    status = 400 if form.errors else 200
    return render(request, "portal/case_new.html", {"form": form}, status=status)


@portal_page
def case_detail(request, number, forms: dict | None = None):
    case = get_visible_case(request.user, number)
    forms = forms or {}
    attachments = policy.scope(request.user, case.attachments.all())
    events = list(visible_events(request.user, case).prefetch_related("attachments").order_by("at", "pk"))
    names: dict[int, str] = {}
    for event in events:
        if event.actor_id and event.actor_id not in names:
            names[event.actor_id] = name_shown_to(request.user, event.actor)
        event.actor_name = names.get(event.actor_id, "")
    context = {
        "case": case,
        "events": events,
        "attachments": attachments,
        "reports": [a for a in attachments if a.is_service_report],
        "copies": case.copied_contacts.all(),
        "reply_form": forms.get("reply") or ReplyForm(),
        "confirm_form": forms.get("confirm") or ConfirmForm(),
        "reject_form": forms.get("reject") or RejectForm(),
        "awaiting_confirmation": case.status == Status.RESOLVED and case.customer_confirmed_at is None,
        "can_reply": case.status not in FINISHED_STATUSES,
    }
    return render(request, "portal/case_detail.html", context, status=400 if forms else 200)


def _case_post(request, number, form_class, key, act):
    case = get_visible_case(request.user, number)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            act(case, form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect("portal:case", number=case.number)
    return case_detail(request, number, forms={key: form})


@portal_page
@require_POST
def case_reply(request, number):
    def act(case, data):
        case_services.add_comment(
            case=case, by=request.user, text=data["text"], public=True, attachments=data["attachments"]
        )
        messages.success(request, _("Your reply was sent."))

    return _case_post(request, number, ReplyForm, "reply", act)


@portal_page
@require_POST
def case_confirm(request, number):
    def act(case, data):
        case_services.confirm_resolution(case=case, by=request.user, text=data["text"])
        messages.success(request, _("Thank you: the resolution is confirmed."))

    return _case_post(request, number, ConfirmForm, "confirm", act)


@portal_page
@require_POST
def case_reject(request, number):
    def act(case, data):
        case_services.reject_resolution(case=case, by=request.user, reason=data["reason"])
        messages.success(request, _("The case was reopened; the desk will contact you."))

    return _case_post(request, number, RejectForm, "reject", act)


def register(request):
    """Self-registration: the same answer for every address (the e-mail tells the rest), so
    the page reveals neither which domains are customers' nor who has an account; rate-limited
    per client address and per e-mail address."""
    if policy.allowed(request.user, "cases.read"):
        return redirect("case_list")
    form = RegisterForm(request.POST or None)
    if request.method == "POST":
        wait = _registration_wait(request, "address", address_budget(client_address(request)))
        if wait is not None:
            form.add_error(None, retry_message(wait))
            response = render(request, "portal/register.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            # Past the per-address budget the page still says the same; no more mail goes out.
            if _registration_wait(request, "email", f"email:{email}") is None:
                try:
                    services.register(**form.cleaned_data, language=request.LANGUAGE_CODE)
                except DomainError as error:
                    apply_domain_error(form, error)
            if not form.errors:
                return render(request, "portal/registered.html")
    return render(request, "portal/register.html", {"form": form}, status=400 if form.errors else 200)


def _registration_wait(request, kind: str, budget: str) -> int | None:
    setting = f"PORTAL_REGISTER_RATE_PER_{kind.upper()}"
    rate = parse_rate(getattr(settings, setting), setting=setting)
    return None if rate is None else spend(f"register:{budget}", rate)


# --- the desk's side --------------------------------------------------------------------------


@staff_page
def access(request):
    """Portal access: pending self-registrations, and contacts to invite."""
    q = request.GET.get("q", "").strip()
    contacts = Contact.objects.none()
    if q:
        contacts = (
            Contact.objects.filter(is_active=True)
            .filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(customer__name__icontains=q))
            .select_related("customer", "user")[:50]
        )
    return render(
        request, "portal/access.html", {"registrations": pending_registrations(), "contacts": contacts, "q": q}
    )


@staff_page
@require_POST
def invite(request, pk):
    contact = get_object_or_404(Contact, pk=pk)
    try:
        services.invite_contact(contact=contact, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": contact.email})
    return redirect(safe_next_url(request, "portal:access"))


@staff_page
@require_POST
def decide_registration(request, pk):
    registration = get_object_or_404(Registration, pk=pk)
    try:
        services.decide_registration(
            registration=registration, by=request.user, approve=request.POST.get("decision") == "approve"
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Saved."))
    return redirect("portal:access")


@login_required
@require_POST
def take_callback(request, pk):
    """The agent calls the contact back: the request leaves the queue and the phone intake
    opens with the caller, the equipment and what they wrote already filled in.

    The right first, then the look-up: a caller without it gets the same 403 whether the
    call-back exists or not."""
    if not policy.allowed(request.user, "cases.open"):
        raise PermissionDenied
    callback = get_object_or_404(CallbackRequest, pk=pk)
    try:
        services.take_callback(callback=callback, by=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("case_list")
    title, _newline, description = callback.description.partition("\n")
    query = {
        "customer": callback.customer_id,
        "contact": callback.contact_id,
        "severity": callback.severity,
        "title": title,
        "description": description or title,
    }
    if callback.equipment_id:
        query["equipment"] = callback.equipment_id
    return redirect(f"{reverse('intake')}?{urlencode(query)}")


@portal_page
@require_POST
def case_summary(request, number):
    """Queue the customer's copy of the case summary (no internal notes); the page lists it."""
    case = get_visible_case(request.user, number)
    request_summary_for_page(request, case)
    return redirect(reverse("portal:case", args=[case.number]) + "#documents")


@portal_page
@store_outage_page
def case_document(request, number, pk):
    """A summary of one of the contact's cases; anyone else's is a 404, like a missing one."""
    return case_document_response(request.user, number, pk)
