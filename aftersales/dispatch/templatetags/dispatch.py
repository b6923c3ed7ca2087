"""The dispatch panel on the staff case page, the proposal on the intake form and the vendor
case numbers on the portal's case page (R4.3: the customer sees them)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from aftersales.accounts import policy
from aftersales.dispatch.forms import (
    AuthorisationForm,
    HandlingForm,
    HandoverForm,
    RemoteLoginForm,
    TierForm,
    VendorCaseForm,
)
from aftersales.dispatch.models import Handling, Handover, Proposal, VendorCase
from aftersales.dispatch.services import next_step, propose, valid_authorisation
from aftersales.dispatch.services.assignment import describe

register = template.Library()


@register.inclusion_tag("dispatch/_case_panel.html")
def dispatch_panel(case, user):
    """Handling mode and next step, authorisation, tier, vendor cases and handovers of a case."""
    if not policy.allowed(user, "dispatch.view"):
        return {"show": False}
    handling = Handling.objects.filter(case=case).first()
    proposal = Proposal.objects.filter(case=case).select_related("owner", "team").first()
    pending = (
        Handover.objects.filter(case=case, status=Handover.Status.PENDING)
        .select_related("to_team", "from_team", "requested_by")
        .first()
    )
    now = timezone.now()
    return {
        "show": True,
        "case": case,
        "handling": handling,
        "step": next_step(case),
        "authorisation": valid_authorisation(case, now),
        "proposal": proposal,
        "proposal_why": describe(proposal.reasons) if proposal else "",
        "vendor_cases": VendorCase.objects.filter(case=case).select_related("vendor").prefetch_related("updates"),
        "handovers": Handover.objects.filter(case=case).select_related("to_team", "requested_by", "decided_by"),
        "pending_handover": pending,
        "pending_age": now - pending.requested_at if pending else None,
        "can_work": policy.allowed(user, "dispatch.handle", case),
        "can_decide": pending is not None and policy.allowed(user, "dispatch.decide_handover", pending),
        "handling_form": HandlingForm(
            initial={"mode": handling.mode if handling else "A1", "diagnosis": handling.diagnosis if handling else ""}
        ),
        "authorisation_form": AuthorisationForm(
            initial={"granted_at": timezone.localtime(now).replace(second=0, microsecond=0)}
        ),
        "remote_form": RemoteLoginForm(),
        "tier_form": TierForm(initial={"to_tier": _next_tier(case.tier)}),
        "vendor_form": VendorCaseForm(initial={"vendor": case.equipment.vendor_id if case.equipment_id else None}),
        "handover_form": HandoverForm(),
    }


def _next_tier(tier: str) -> str:
    return {"L1": "L2", "L2": "L3", "L3": "L4"}.get(tier, tier)


@register.inclusion_tag("dispatch/_proposal.html")
def intake_proposal(customer, form):
    """The proposal for what the intake form holds now (the page refreshes it as the agent types)."""

    def chosen(name):
        value = form[name].value()
        field = form.fields[name]
        try:
            return field.queryset.filter(pk=int(value)).first() if value and str(value).isdigit() else None
        except (TypeError, ValueError):
            return None

    equipment, site = chosen("equipment"), chosen("site")
    if equipment is not None and equipment.customer_id != customer.pk:
        equipment = None
    result = propose(site=site, equipment=equipment, severity=form["severity"].value() or "C")
    return {"proposal": result, "why": describe(result.reasons)}


@register.inclusion_tag("dispatch/_vendor_numbers.html")
def vendor_numbers(case):
    """The vendor's and third parties' case numbers of a case the reader may already see."""
    return {"vendor_cases": VendorCase.objects.filter(case=case).select_related("vendor")}
