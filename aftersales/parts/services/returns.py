"""Return, exchange, refund (R6.3): proposed as the cover allows, approved by a manager
(approvals mechanism), agreed or declined by the customer."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.accounts.roles import Role
from aftersales.approvals import services as approvals
from aftersales.approvals.registry import Notice, Policy
from aftersales.approvals.registry import register as register_approval
from aftersales.cases.models import Case
from aftersales.contracts.entitlement import EntitlementKind, entitlement_for
from aftersales.core.errors import Conflict
from aftersales.customers.models import Contact
from aftersales.notifications.services import users_with_role
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    ReturnOffer,
)
from aftersales.parts.notices import (
    ASK_RETURN,
    RETURN_OFFER_APPROVAL,
    queue_customer_answer,
)
from aftersales.parts.services.common import _answering_contact, _field_error, _record_on_case, _require_answerer
from aftersales.parts.workflow import RETURN_WORKFLOW

RETURN_APPROVAL = "parts.return_offer"
# Which remedies the entitlement allows (R6.3, S2: "根据产品保修期为客户提供换货或退款服务").
REMEDIES_BY_ENTITLEMENT = {
    EntitlementKind.WARRANTY: frozenset(ReturnOffer.Remedy),
    EntitlementKind.CONTRACT: frozenset({ReturnOffer.Remedy.EXCHANGE}),
}


def remedies_for(case: Case) -> frozenset[str]:
    """What the warranty or contract allows when the product cannot be repaired: in warranty a
    return, exchange or refund; under a maintenance contract an exchange; otherwise none."""
    if case.equipment_id is None or case.excluded_cause:
        return frozenset()
    entitlement = entitlement_for(case.equipment, on=timezone.localdate())
    return REMEDIES_BY_ENTITLEMENT.get(entitlement.kind, frozenset())


@transaction.atomic
def offer_return(*, case: Case, remedy: str, reason: str, by, refund_amount: Decimal | None = None) -> ReturnOffer:
    """Propose a return, exchange or refund for a product that cannot be repaired; a manager
    approves it (approvals mechanism) before the customer is asked."""
    policy.require(by, perms.OFFER_RETURN, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    allowed = remedies_for(case)
    if remedy not in allowed:
        raise _field_error("remedy", _("The warranty and contract of this equipment do not allow this remedy."))
    if not (reason or "").strip():
        raise _field_error("reason", _("Please say why."))
    if remedy == ReturnOffer.Remedy.REFUND and (refund_amount is None or refund_amount <= 0):
        raise _field_error("refund_amount", _("Enter the amount to refund."))
    if ReturnOffer.objects.filter(
        case=case, status__in=[ReturnOffer.Status.AWAITING_APPROVAL, ReturnOffer.Status.AWAITING_CONSENT]
    ).exists():
        raise Conflict(_("This case already has a return, exchange or refund under way."))
    equipment = case.equipment
    if equipment is None:  # remedies_for allowed none without equipment
        raise _field_error("remedy", _("The case names no equipment."))
    entitlement = entitlement_for(equipment, on=timezone.localdate())
    offer = ReturnOffer.objects.create(
        case=case,
        customer_id=case.customer_id,
        equipment=equipment,
        remedy=remedy,
        entitlement=entitlement.kind,
        reason=reason.strip()[:2000],
        refund_amount=refund_amount if remedy == ReturnOffer.Remedy.REFUND else None,
        offered_by=by,
    )
    approvals.request_approval(
        kind=RETURN_APPROVAL,
        subject=offer,
        by=by,
        evidence={"remedy": remedy, "entitlement": entitlement.kind, "refund_amount": str(refund_amount or "")},
        evidence_text=offer.reason,
    )
    _record_on_case(case, by=by, kind="parts.return.offered", remedy=remedy)
    return offer


@transaction.atomic
def decide_return(*, offer: ReturnOffer, by, approve: bool, note: str = "") -> ReturnOffer:
    """A manager approves or rejects the offer (the approvals mechanism's one decision)."""
    policy.require(by, perms.DECIDE_RETURN, offer)
    offer = ReturnOffer.objects.select_for_update().get(pk=offer.pk)
    pending = approvals.requests_for(offer, kind=RETURN_APPROVAL).filter(status="pending").first()
    if pending is None:
        raise Conflict(_("This request was already decided: %(status)s.") % {"status": offer.get_status_display()})
    approvals.decide(request=pending, by=by, approve=approve, note=note)
    offer.refresh_from_db()
    return offer


def _on_return_approved(request, by) -> None:
    offer = ReturnOffer.objects.get(pk=request.subject_id)
    RETURN_WORKFLOW.apply(obj=offer, action="approve", by=by, text=request.decision_note)
    _record_on_case(offer.case, by=by, kind="parts.return.approved", public=True, remedy=offer.remedy)
    queue_customer_answer(case=offer.case, what=ASK_RETURN, reference=f"R{offer.pk}")


def _on_return_rejected(request, by) -> None:
    offer = ReturnOffer.objects.get(pk=request.subject_id)
    RETURN_WORKFLOW.apply(obj=offer, action="reject", by=by, text=request.decision_note)
    _record_on_case(offer.case, by=by, kind="parts.return.rejected", remedy=offer.remedy)


@transaction.atomic
def answer_return(*, offer: ReturnOffer, by, agree: bool, contact: Contact | None = None) -> ReturnOffer:
    """The customer agrees to (or declines) the approved return, exchange or refund."""
    _require_answerer(by, offer)
    who, channel = _answering_contact(by, offer, contact)
    offer = RETURN_WORKFLOW.apply(obj=offer, action="agree" if agree else "refuse", by=by)
    offer.answered_at, offer.answer_channel, offer.answered_by_contact = timezone.now(), channel, who
    offer.save(update_fields=["answered_at", "answer_channel", "answered_by_contact"])
    kind = "parts.return.agreed" if agree else "parts.return.declined"
    _record_on_case(offer.case, by=by, kind=kind, public=True, remedy=offer.remedy, channel=channel)
    return offer


def _managers_of(request) -> list:
    users = users_with_role(Role.DEPT_MANAGER) | users_with_role(Role.CENTRE_MANAGER)
    return list(users.distinct())


def _case_of_request(request) -> dict:
    return {"case": ReturnOffer.objects.get(pk=request.subject_id).case}


def register_approvals() -> None:
    register_approval(
        Policy(
            kind=RETURN_APPROVAL,
            label=gettext_lazy("Return, exchange or refund"),
            deciders=perms.DECIDE_RETURN,
            requesters=lambda user, subject: policy.allowed(user, perms.OFFER_RETURN, subject),
            on_approve=_on_return_approved,
            on_reject=_on_return_rejected,
            on_requested=Notice(
                kind=RETURN_OFFER_APPROVAL,
                recipients=_managers_of,
                subject=lambda request: str(gettext_lazy("Return, exchange or refund to approve")),
                extra=_case_of_request,
            ),
        )
    )
