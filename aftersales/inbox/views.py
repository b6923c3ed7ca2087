"""Staff pages for incoming mail: the triage list, one message, the quarantine."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import policy
from aftersales.cases.queries import visible_cases
from aftersales.core.errors import DomainError
from aftersales.core.forms import apply_domain_error
from aftersales.core.pagination import CappedPaginator
from aftersales.inbox import services
from aftersales.inbox.forms import AddToCaseForm, OpenCaseForm
from aftersales.inbox.models import InboundMessage, Outcome
from aftersales.inbox.services import known_contacts


def _staff(user) -> None:
    if not policy.allowed(user, "inbox.read"):
        raise PermissionDenied


def _worker(user) -> None:
    if not policy.allowed(user, "inbox.triage"):
        raise PermissionDenied


def _get_message(user, pk) -> InboundMessage:
    """A message by id; one that belongs to a case only if the user may see that case."""
    _staff(user)
    message = InboundMessage.objects.select_related("case", "mailbox", "processed_by").filter(pk=pk).first()
    if message is None or (message.case_id and not visible_cases(user).filter(pk=message.case_id).exists()):
        raise Http404
    return message


def _listing(request, outcome: str, template: str):
    _staff(request.user)
    rows = (
        InboundMessage.objects.filter(outcome=outcome)
        .defer("raw", "body_text", "body_html")
        .order_by("-created_at", "-pk")
    )
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, template, {"page": page})


@login_required
def triage_list(request):
    return _listing(request, Outcome.TRIAGE, "inbox/triage_list.html")


@login_required
def quarantine_list(request):
    return _listing(request, Outcome.QUARANTINED, "inbox/quarantine_list.html")


@login_required
def message_detail(request, pk, open_form=None, add_form=None):
    message = _get_message(request.user, pk)
    contacts = known_contacts(message.from_address)
    initial = {"title": (message.subject or message.from_address)[:200]}
    if len({c.customer_id for c in contacts}) == 1:
        initial.update(customer=contacts[0].customer_id, contact=contacts[0].pk if len(contacts) == 1 else None)
    context = {
        "message": message,
        "actionable": message.outcome in services.ACTIONABLE,
        "can_work": policy.allowed(request.user, "inbox.triage"),
        "open_form": open_form or OpenCaseForm(initial=initial),
        "add_form": add_form or AddToCaseForm(),
        "contacts": contacts,
    }
    return render(request, "inbox/message_detail.html", context, status=400 if (open_form or add_form) else 200)


@login_required
def message_raw(request, pk):
    """The original message, as received, for a mail client (never rendered in the browser)."""
    message = _get_message(request.user, pk)
    response = HttpResponse(bytes(message.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _act(request, pk, form_class):
    _worker(request.user)
    message = _get_message(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return None, message, form
    return form.cleaned_data, message, form


@login_required
@require_POST
def open_case(request, pk):
    data, message, form = _act(request, pk, OpenCaseForm)
    if data is not None:
        try:
            case = services.open_case_from_message(message=message, by=request.user, **data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("case_detail", number=case.number)
    return message_detail(request, pk, open_form=form)


@login_required
@require_POST
def add_to_case(request, pk):
    data, message, form = _act(request, pk, AddToCaseForm)
    if data is not None:
        case = visible_cases(request.user).filter(number=data["number"].strip().upper()).first()
        if case is None:
            form.add_error("number", _("No case with this number."))
        else:
            try:
                services.add_message_to_case(message=message, by=request.user, case=case)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Added to case %(number)s.") % {"number": case.number})
                return redirect("case_detail", number=case.number)
    return message_detail(request, pk, add_form=form)


@login_required
@require_POST
def discard(request, pk):
    _worker(request.user)
    message = _get_message(request.user, pk)
    try:
        services.discard_message(message=message, by=request.user)
        messages.success(request, _("Discarded as spam; the message is kept."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("inbox_triage")


@login_required
@require_POST
def reprocess(request, pk):
    _worker(request.user)
    message = _get_message(request.user, pk)
    try:
        message = services.reprocess_message(message=message, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("inbox_quarantine")
    if message.outcome == Outcome.QUARANTINED:
        messages.error(request, _("Still cannot be processed: %(reason)s") % {"reason": message.reason})
    else:
        messages.success(request, _("Processed: %(outcome)s.") % {"outcome": message.get_outcome_display()})
    return redirect("inbox_quarantine")
