"""Tiers (R4.2) and the cases opened with others (R4.3): a move between tiers records who, when
and why; at L4 a vendor TAC case holds the vendor's number, contact, severity and updates; a
third-party vendor request for an environment problem is tracked the same way."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Tier
from aftersales.cases.queries import register_search_source
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.dispatch.models import TierChange, VendorCase, VendorCaseUpdate
from aftersales.timeline.services import record


@transaction.atomic
def change_tier(*, case: Case, by, to_tier: str, reason: str) -> TierChange:
    """Move the case to another tier (L1→L2→L3→L4 or back) with the reason, if the policy lets
    `by` raise tiers; the case service keeps the record and writes the timeline."""
    policy.require(by, "dispatch.raise_tier", case)
    change = case_services.change_tier(case=case, by=by, tier=to_tier, reason=reason)
    assert change is not None  # no expected tier: a change or an error
    return change


@transaction.atomic
def open_vendor_case(
    *,
    case: Case,
    by,
    kind: str,
    number: str,
    vendor=None,
    party: str = "",
    contact: str = "",
    severity: str = VendorCase.Severity.S3,
) -> VendorCase:
    """Record a case opened with the vendor's TAC (the case must be at L4) or a request to a third
    party (a vendor or a named party). The vendor's number is shown to the customer and found by
    the case search."""
    policy.require(by, "dispatch.vendor_case", case)
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    number = (number or "").strip()
    errors: dict[str, list] = {}
    if kind not in VendorCase.Kind.values:
        errors["kind"] = [_("Invalid choice.")]
    if not number:
        errors["number"] = [_("This field is required.")]
    if severity not in VendorCase.Severity.values:
        errors["severity"] = [_("Invalid choice.")]
    if kind == VendorCase.Kind.VENDOR_TAC and vendor is None:
        errors["vendor"] = [_("Choose the vendor.")]
    if kind == VendorCase.Kind.THIRD_PARTY and vendor is None and not party.strip():
        errors["party"] = [_("Name the third party or choose a vendor.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be edited; reopen it first."))
    if kind == VendorCase.Kind.VENDOR_TAC and locked.tier != Tier.L4:
        raise NotAllowed(
            _("A vendor TAC case is opened at L4: raise the case to L4 first, with the reason."),
            fields={"kind": [_("Raise the case to L4 first.")]},
        )
    vendor_case = VendorCase.objects.create(
        case=locked,
        kind=kind,
        vendor=vendor,
        party=party.strip(),
        number=number,
        contact=contact.strip(),
        severity=severity,
        opened_by=by,
    )
    record(
        locked,
        actor=by,
        kind="dispatch.vendor_case",
        data={"vendor_case": vendor_case.pk, "kind": kind, "vendor": vendor_case.vendor_name, "number": number},
        public=True,
    )
    return vendor_case


@transaction.atomic
def add_vendor_update(*, vendor_case: VendorCase, by, text: str, close: bool = False) -> VendorCaseUpdate | None:
    """An update from or to the vendor (an internal note on the case), optionally closing the vendor case."""
    policy.require(by, "dispatch.vendor_case", vendor_case.case)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the update."), fields={"text": [_("This field is required.")]})
    locked = VendorCase.objects.select_for_update().get(pk=vendor_case.pk)
    if locked.status == VendorCase.Status.CLOSED:
        raise NotAllowed(_("This vendor case is closed."))
    update = VendorCaseUpdate.objects.create(vendor_case=locked, text=text, by=by)
    data = {"vendor_case": locked.pk, "vendor": locked.vendor_name, "number": locked.number, "text": text}
    if close:
        locked.status, locked.closed_at = VendorCase.Status.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        data["closed"] = True
    record(locked.case, actor=by, kind="dispatch.vendor_update", data=data)
    return update


def cases_with_vendor_number(word: str) -> QuerySet:
    """The case search's source: cases whose vendor or third-party case number contains `word`."""
    return VendorCase.objects.filter(number__icontains=word).values("case_id")


def register() -> None:
    register_search_source(cases_with_vendor_number)
