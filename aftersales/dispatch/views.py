"""Staff pages for dispatch: the dispatch board, the roster week, planning and swapping shifts,
the assignment rules, and the case's dispatch actions. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases.queries import get_visible_case, visible_cases
from aftersales.core import live
from aftersales.core.errors import DomainError
from aftersales.customers.models import Customer, Site
from aftersales.dispatch import deadlines as dispatch_deadlines
from aftersales.dispatch import services
from aftersales.dispatch.forms import (
    AuthorisationForm,
    ConfirmForm,
    FillWeekForm,
    HandlingForm,
    HandoverDecisionForm,
    HandoverForm,
    RemoteLoginForm,
    RuleForm,
    ShiftForm,
    SwapForm,
    TierForm,
    VendorCaseForm,
    VendorUpdateForm,
    monday_of,
)
from aftersales.dispatch.live import board_version
from aftersales.dispatch.models import AssignmentRule, Handover, Proposal, Shift, Team, VendorCase
from aftersales.dispatch.services.assignment import describe, unassigned_cases
from aftersales.dispatch.services.handovers import pending_handovers, team_cases
from aftersales.dispatch.services.roster import roster_week
from aftersales.installed_base.models import Equipment
from aftersales.timeline.services import record_saved, snapshot

# The services name a shift's moments; the form asks for a day and two times.
FORM_NAMES = {"starts_at": "starts", "ends_at": "ends", "to_tier": "to_tier"}


def _show_error(form, error: DomainError) -> None:
    """The service's message on top, each field's message at its field (or on top if the form
    has no such field), so nothing the service said is lost."""
    form.add_error(None, str(error.message))
    for name, field_messages in (error.fields or {}).items():
        field = FORM_NAMES.get(name, name)
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


def _require(user, name: str) -> None:
    if not policy.allowed(user, name):
        raise PermissionDenied


# --- the board ----------------------------------------------------------------------------


@login_required
def board(request):
    """Unassigned cases and pending handovers with their ages, and who is on duty now. It polls
    itself (`?partial=live`) and swaps its content when something on it changes."""
    _require(request.user, "dispatch.view")
    if live.is_poll(request):
        version = board_version(request.user)
        return live.answer(request, version, lambda: _board(request, "dispatch/_board.html"))
    return _board(request, "dispatch/board.html", live_version=board_version(request.user))


def _board(request, template: str, **extra):
    now = timezone.now()
    unassigned = list(unassigned_cases().filter(pk__in=visible_cases(request.user).values("pk"))[:200])
    proposals = {p.case_id: p for p in _proposals([c.pk for c in unassigned])}
    assignment_due = dispatch_deadlines.views_of(unassigned, dispatch_deadlines.ASSIGNMENT, now)
    for case in unassigned:
        proposal = proposals.get(case.pk)
        case.proposal_text = f"{proposal.owner or '—'} · {describe(proposal.reasons)}" if proposal else ""
        case.due_view = assignment_due.get(case.pk)
    handovers = list(pending_handovers()[:200])
    handover_due = dispatch_deadlines.views_of(handovers, dispatch_deadlines.HANDOVER, now)
    return render(
        request,
        template,
        {
            "now": now,
            "my_teams": _my_teams(request.user),
            "unassigned": unassigned,
            "handovers": [(handover, handover_due.get(handover.pk)) for handover in handovers],
            "on_duty": list(services.on_duty(now).order_by("team__name")),
            "after_hours": services.after_hours(now),
            "refresh": 60,
            **extra,
        },
    )


def _my_teams(user) -> list[dict]:
    """The open cases of each team the user manages or belongs to, those offered to it included
    (both teams see a case until the handover is decided)."""
    teams = Team.objects.filter(Q(members=user) | Q(manager=user)).distinct().order_by("name")
    rows = []
    for team in teams:
        cases = list(
            team_cases(team)
            .filter(pk__in=visible_cases(user).values("pk"))
            .select_related("customer", "owner")
            .order_by("severity", "opened_at")[:50]
        )
        offered = set(
            Handover.objects.filter(status=Handover.Status.PENDING, to_team=team).values_list("case_id", flat=True)
        )
        leaving = set(
            Handover.objects.filter(status=Handover.Status.PENDING, from_team=team).values_list("case_id", flat=True)
        )
        rows.append(
            {
                "team": team,
                "cases": [{"case": c, "offered": c.pk in offered, "leaving": c.pk in leaving} for c in cases],
            }
        )
    return rows


def _proposals(case_ids):
    return Proposal.objects.filter(case_id__in=case_ids).select_related("owner")


# --- the roster ---------------------------------------------------------------------------


@login_required
def roster(request):
    """The week's shifts of one team (or all), day by day, with holidays and make-up days."""
    _require(request.user, "dispatch.view")
    teams = list(Team.objects.all())
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), None)
    monday = monday_of(request.GET.get("week")) or monday_of(timezone.localdate().isoformat())
    assert monday is not None
    return render(
        request,
        "dispatch/roster.html",
        {
            "teams": teams,
            "team": team,
            "days": roster_week(team, monday),
            "monday": monday,
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "today": timezone.localdate(),
            "can_plan": policy.allowed(request.user, "dispatch.plan_roster"),
        },
    )


def _shift_from(form: ShiftForm) -> dict:
    data = form.cleaned_data
    starts_at, ends_at = services.shift_times(data["day"], data["kind"], data["starts"], data["ends"])
    return {
        "team": data["team"],
        "region": data["region"],
        "kind": data["kind"],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "duty_engineer": data["duty_engineer"],
        "duty_manager": data["duty_manager"],
        "note": data["note"],
    }


@login_required
def shift_new(request):
    _require(request.user, "dispatch.plan_roster")
    initial = {"team": request.GET.get("team"), "day": request.GET.get("day"), "kind": request.GET.get("kind", "day")}
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.plan_shift(by=request.user, **_shift_from(form))
            messages.success(request, _("Shift planned."))
            return _to_week(shift)
        except DomainError as error:
            _show_error(form, error)
    return _form_page(request, form, _("Plan a shift"))


@login_required
def fill_week(request):
    """Plan a whole week out of office hours from the calendar (nights, weekends, holidays)."""
    _require(request.user, "dispatch.plan_roster")
    form = FillWeekForm(
        request.POST or None, initial={"team": request.GET.get("team"), "week": request.GET.get("week")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        monday = monday_of(data["week"].isoformat())
        assert monday is not None
        try:
            planned = services.fill_week(
                team=data["team"],
                monday=monday,
                engineers=list(data["engineers"].order_by("username")),
                duty_manager=data["duty_manager"],
                by=request.user,
            )
            messages.success(request, _("%(count)s shifts planned.") % {"count": len(planned)})
            return redirect(f"{_url('dispatch:roster')}?team={data['team'].pk}&week={monday.isoformat()}")
        except DomainError as error:
            _show_error(form, error)
    return _form_page(request, form, _("Plan a week out of office hours"))


@login_required
def shift_edit(request, pk):
    _require(request.user, "dispatch.plan_roster")
    shift = get_object_or_404(Shift, pk=pk)
    local_start, local_end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    initial = {
        "team": shift.team_id,
        "region": shift.region,
        "kind": shift.kind,
        "day": local_start.date(),
        "starts": local_start.time(),
        "ends": local_end.time(),
        "duty_engineer": shift.duty_engineer_id,
        "duty_manager": shift.duty_manager_id,
        "note": shift.note,
    }
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = _shift_from(form)
        changes.pop("team")
        try:
            services.change_shift(shift=shift, by=request.user, **changes)
            messages.success(request, _("Saved."))
            return _to_week(shift)
        except DomainError as error:
            _show_error(form, error)
    return _form_page(request, form, _("Change a shift"), subject=shift)


@login_required
def shift_swap(request, pk):
    _require(request.user, "dispatch.swap_shift")
    shift = get_object_or_404(Shift, pk=pk)
    form = SwapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.swap_shift(shift=shift, by=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return _to_week(shift)
        except DomainError as error:
            _show_error(form, error)
    return _form_page(
        request,
        form,
        _("Hand over a shift"),
        subject=shift,
        swaps=shift.swaps.select_related("from_user", "to_user", "by"),
    )


def _to_week(shift: Shift):
    week = timezone.localtime(shift.starts_at).date().isoformat()
    return redirect(f"{_url('dispatch:roster')}?team={shift.team_id}&week={week}")


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


def _form_page(request, form, title, **extra):
    return render(
        request, "dispatch/form.html", {"form": form, "title": title, **extra}, status=400 if form.errors else 200
    )


# --- the rules ----------------------------------------------------------------------------


@login_required
def rules(request):
    _require(request.user, "dispatch.view")
    return render(
        request,
        "dispatch/rules.html",
        {
            "rules": AssignmentRule.objects.select_related("vendor", "team"),
            "teams": Team.objects.select_related("manager", "service_office"),
            "can_edit": policy.allowed(request.user, "dispatch.edit_rules"),
        },
    )


@login_required
def rule_edit(request, pk=None):
    _require(request.user, "dispatch.edit_rules")
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        _save_rule(form, request.user, rule)
        messages.success(request, _("Saved."))
        return redirect("dispatch:rules")
    return _form_page(request, form, _("Assignment rule"))


def _save_rule(form, by, rule) -> None:
    with transaction.atomic():
        before = snapshot(rule) if rule is not None else None
        saved = form.save()
        record_saved(saved, actor=by, before=before)


# --- the proposal at intake ----------------------------------------------------------------


@login_required
def proposal(request):
    """The intake form's proposal for the caller's equipment and severity (a fragment)."""
    if not policy.allowed(request.user, "cases.open"):
        raise PermissionDenied
    customer = Customer.objects.filter(pk=_int(request.GET.get("customer"))).first()
    equipment = site = None
    if customer is not None:
        equipment = Equipment.objects.filter(customer=customer, pk=_int(request.GET.get("equipment"))).first()
        site = Site.objects.filter(customer=customer, pk=_int(request.GET.get("site"))).first()
    result = services.propose(site=site, equipment=equipment, severity=request.GET.get("severity") or "C")
    return render(request, "dispatch/_proposal.html", {"proposal": result, "why": describe(result.reasons)})


def _int(value) -> int:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 12 else 0


# --- the case's dispatch actions -------------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    form: type
    title: object
    perform: Callable
    done: object = gettext_lazy("Saved.")


def _handling(case, by, data):
    services.set_handling(case=case, by=by, mode=data["mode"], diagnosis=data["diagnosis"])


def _authorise(case, by, data):
    services.record_authorisation(case=case, by=by, **data)


def _remote(case, by, data):
    services.record_remote_login(case=case, by=by, text=data["text"])


def _tier(case, by, data):
    services.change_tier(case=case, by=by, to_tier=data["to_tier"], reason=data["reason"])


def _vendor(case, by, data):
    services.open_vendor_case(case=case, by=by, **data)


def _handover(case, by, data):
    services.request_handover(case=case, by=by, to_team=data["to_team"], reason=data["reason"])


def _apply(case, by, data):
    services.apply_proposal(case=case, by=by)


CASE_ACTIONS = {
    "handling": CaseAction(HandlingForm, gettext_lazy("Handling mode"), _handling),
    "authorise": CaseAction(AuthorisationForm, gettext_lazy("Customer's authorisation for remote login"), _authorise),
    "remote-login": CaseAction(
        RemoteLoginForm, gettext_lazy("Remote login"), _remote, gettext_lazy("Remote login recorded.")
    ),
    "tier": CaseAction(TierForm, gettext_lazy("Change tier"), _tier),
    "vendor-case": CaseAction(VendorCaseForm, gettext_lazy("Vendor or third-party case"), _vendor),
    "handover": CaseAction(
        HandoverForm,
        gettext_lazy("Hand over to another team"),
        _handover,
        gettext_lazy("Handover requested; the receiving team decides."),
    ),
    "apply-proposal": CaseAction(ConfirmForm, gettext_lazy("Assign as proposed"), _apply),
}


@login_required
def case_action(request, number, action):
    _require(request.user, "dispatch.view")
    spec = CASE_ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = get_visible_case(request.user, number)
    form = spec.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            spec.perform(case, request.user, form.cleaned_data)
            messages.success(request, str(spec.done))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            _show_error(form, error)
    return _form_page(request, form, spec.title, case=case)


@login_required
def vendor_update(request, number, pk):
    _require(request.user, "dispatch.view")
    case = get_visible_case(request.user, number)
    vendor_case = get_object_or_404(VendorCase, pk=pk, case=case)
    form = VendorUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_vendor_update(vendor_case=vendor_case, by=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=case.number)
        except DomainError as error:
            _show_error(form, error)
    return _form_page(request, form, _("Vendor case update"), case=case, subject=vendor_case)


@login_required
def handover_decide(request, pk):
    _require(request.user, "dispatch.view")
    handover = get_object_or_404(
        Handover.objects.filter(case__in=visible_cases(request.user)).select_related("case", "to_team"), pk=pk
    )
    if not policy.allowed(request.user, "dispatch.decide_handover", handover):
        raise PermissionDenied
    form = HandoverDecisionForm(request.POST or None, team=handover.to_team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.decide_handover(
                handover=handover,
                by=request.user,
                accept=data["decision"] == "accept",
                note=data["note"],
                owner=data["owner"],
            )
            messages.success(request, _("Saved."))
            return redirect("case_detail", number=handover.case.number)
        except DomainError as error:
            _show_error(form, error)
    return _form_page(request, form, _("Accept or refuse the handover"), case=handover.case, subject=handover)
