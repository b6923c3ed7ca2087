"""Everything the portal changes. Cases themselves change only through cases.services; this
module adds portal access (invitations, self-registration) and urgent call-back requests."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.accounts.models import User
from aftersales.approvals import registry as approval_registry
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request as ApprovalRequest
from aftersales.cases import services as case_services
from aftersales.cases.models import CallbackRequest, Case, Channel, Kind, Severity
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.customers.access import (  # the invitation is the customers app's; used here and re-exported
    INVITED,  # noqa: F401
    invite_contact,
    set_password_url,  # noqa: F401
)
from aftersales.customers.models import Contact, Customer
from aftersales.customers.phones import InvalidPhone, normalise_phone
from aftersales.notifications import rendering
from aftersales.notifications.models import Channel as NotificationChannel
from aftersales.notifications.models import Notification
from aftersales.notifications.services import wake_worker
from aftersales.portal import notices
from aftersales.portal.models import Registration

CALLBACK_SEVERITIES = frozenset({Severity.A, Severity.B})


# Timeline kinds of the portal's access (worded in aftersales.portal.apps).
REGISTRATION_REQUESTED = "portal.registration.requested"
REGISTRATION_DECIDED = "portal.registration.decided"


class PortalError(DomainError):
    """A portal request that cannot be carried out as asked."""


def portal_contact(user) -> Contact:
    """The active contact record behind a portal user, or NotAllowed."""
    contact = policy.customer_scope(user).contact
    if contact is None:
        raise NotAllowed(_("Your account is not linked to a customer contact."))
    return contact


def _require_inviter(by) -> None:
    policy.require(by, "customers.invite")


def _validated(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise PortalError(_("Please correct the errors below."), fields=error.message_dict) from None


# --- cases from the portal -------------------------------------------------------------------


def open_portal_case(
    *,
    by,
    equipment,
    title: str,
    description: str,
    severity: str,
    kind: str = Kind.FAULT,
    attachments: Sequence = (),
    copies: Sequence = (),
) -> Case:
    """A contact opens a C or D case for their own organisation's equipment (channel web);
    colleagues of the same customer may be copied. cases.services.open_case checks the rest."""
    contact = portal_contact(by)
    with transaction.atomic():
        case = case_services.open_case(
            customer=contact.customer,
            contact=contact,
            equipment=equipment,
            by=by,
            title=title,
            description=description,
            kind=kind,
            severity=severity,
            channel=Channel.WEB,
            attachments=attachments,
        )
        if copies:
            case_services.set_copies(case=case, by=by, contacts=[c for c in copies if c.pk != contact.pk])
    return case


@transaction.atomic
def request_callback(*, by, equipment, severity: str, description: str, phone: str = "") -> CallbackRequest:
    """An A or B fault from the portal: recorded as an urgent call-back request that tops the
    desk's queue. No case is opened; the agent who calls back opens it by phone (R2.1)."""
    contact = portal_contact(by)
    if severity not in CALLBACK_SEVERITIES:
        raise PortalError(_("Only A and B faults are called back."), fields={"severity": [_("Choose A or B.")]})
    if equipment is not None and equipment.customer_id != contact.customer_id:
        raise PortalError(
            _("A case can be opened only for your own organisation's equipment."),
            fields={"equipment": [_("Choose one of your organisation's equipment.")]},
        )
    callback = CallbackRequest(
        customer_id=contact.customer_id,
        contact=contact,
        equipment=equipment,
        severity=severity,
        phone=(phone or contact.mobile or contact.phone or "").strip(),
        description=(description or "").strip(),
        requested_by=by,
    )
    _validated(callback)
    callback.phone = normalise_phone(callback.phone)
    callback.save()
    return callback


def take_callback(*, callback: CallbackRequest, by) -> CallbackRequest:
    """An agent takes the call-back: it leaves the queue's top block. Of two agents taking it at
    once, one wins (compare-and-swap) and the other is told who calls back."""
    policy.require(by, "cases.open")
    now = timezone.now()
    taken = CallbackRequest.objects.filter(pk=callback.pk, handled_at__isnull=True).update(
        handled_by=by, handled_at=now
    )
    callback.refresh_from_db()
    if not taken and callback.handled_by_id != by.pk:
        raise Conflict(_("%(name)s is already calling back.") % {"name": callback.handled_by})
    return callback


# --- access: invitations and self-registration ------------------------------------------------


def customer_for_email(email: str) -> Customer | None:
    """The one active customer whose known e-mail domains include the address's domain."""
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""
    if not domain:
        return None
    candidates = Customer.objects.filter(is_active=True, email_domains__icontains=domain)
    matches = [c for c in candidates if domain in {d.strip().lower() for d in c.email_domains.split(",")}]
    return matches[0] if len(matches) == 1 else None


class RegistrationAnswer(StrEnum):
    """What the e-mail to someone who registered says; the page says the same to everyone."""

    RECEIVED = "received"
    UNKNOWN_DOMAIN = "unknown_domain"
    ALREADY = "already"  # access given, or a request is being checked


@transaction.atomic
def register(*, name: str, email: str, phone: str = "", position: str = "", language: str = "") -> Registration | None:
    """A self-registration. The caller learns nothing from the result that a stranger could
    use: the portal shows the same page whatever happened, and only the e-mail to the address
    given (queued in the outbox) says which it was — request received, domain not known (call
    the hotline), or access already given or being checked.

    A request is stored only for an e-mail domain known for a customer and an address without
    access or pending request; otherwise None."""
    email = (email or "").strip().lower()
    customer = customer_for_email(email)
    registration = None
    if customer is None:
        outcome = RegistrationAnswer.UNKNOWN_DOMAIN
    elif (
        User.objects.filter(email__iexact=email).exists()
        or Registration.objects.filter(email__iexact=email, status=Registration.Status.PENDING).exists()
    ):
        outcome = RegistrationAnswer.ALREADY
    else:
        registration = _store_registration(customer, name=name, email=email, phone=phone, position=position)
        outcome = RegistrationAnswer.RECEIVED
    queue_registration_answer(email=email, name=(name or "").strip(), outcome=outcome, language=language)
    return registration


def _store_registration(customer: Customer, *, name: str, email: str, phone: str, position: str) -> Registration:
    registration = Registration(
        customer=customer, name=(name or "").strip(), email=email, phone=(phone or "").strip(), position=position
    )
    _validated(registration)
    stored = Registration.objects.create(
        customer=customer,
        name=registration.name,
        email=email,
        phone=_normalised(registration.phone),
        position=registration.position.strip(),
    )
    approvals.request_approval(
        kind=REGISTRATION_APPROVAL,
        subject=stored,
        by=None,
        evidence={"customer": customer.pk, "email": email, "name": stored.name, "position": stored.position},
    )
    return stored


def queue_registration_answer(*, email: str, name: str, outcome: str, language: str = "") -> Notification:
    """The e-mail answering a registration, rendered now in the registrant's language and
    written to the outbox in the caller's transaction (the worker sends it)."""
    language = language or settings.LANGUAGE_CODE
    context = {
        "name": name,
        "outcome": outcome,
        "login_url": notices.login_url(),
    }
    rendered = rendering.render(notices.PORTAL_REGISTRATION, context, language)
    row = Notification.objects.create(
        kind=notices.PORTAL_REGISTRATION,
        channel=NotificationChannel.EMAIL,
        address=email,
        language=language,
        subject=rendered.subject,
        body_text=rendered.text,
        payload={"outcome": outcome},
    )
    wake_worker()
    return row


def _normalised(phone: str) -> str:
    try:
        return normalise_phone(phone) if phone else ""
    except InvalidPhone:
        return phone


@transaction.atomic
def decide_registration(*, registration: Registration, by, approve: bool) -> Registration:
    """Approve — the person becomes a contact of the customer (or the existing contact with that
    e-mail gets access) and is sent the set-password link — or reject. Deciding twice is a
    conflict. The decision is the approvals mechanism's (`approvals.services.decide`: decider
    checked, request locked, decided once, recorded on the registration's timeline); approving
    gives access in the same transaction."""
    _require_inviter(by)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    approval = approvals.adopt(
        kind=REGISTRATION_APPROVAL,
        subject=locked,
        requester=None,
        requested_at=locked.requested_at,
        status=locked.status,
        decided_by=locked.decided_by,
        decided_at=locked.decided_at,
    )
    approvals.decide(request=approval, by=by, approve=approve)
    locked.refresh_from_db()
    return locked


REGISTRATION_APPROVAL = "portal.registration"


def _decided_registration(approval: ApprovalRequest) -> Registration:
    row = Registration.objects.select_for_update().get(pk=approval.subject_id)
    row.status, row.decided_by, row.decided_at = approval.status, approval.decided_by, approval.decided_at
    return row


def _approve_registration(approval: ApprovalRequest, by) -> None:
    row = _decided_registration(approval)
    contact = Contact.objects.filter(customer=row.customer, email__iexact=row.email, user__isnull=True).first()
    if contact is None:
        mobile = row.phone if row.phone[:1] == "1" and len(row.phone) == 11 else ""
        contact = Contact.objects.create(
            customer=row.customer,
            name=row.name,
            email=row.email,
            title=row.position,
            mobile=mobile,
            phone="" if mobile else row.phone,
        )
    invite_contact(contact=contact, by=by)
    row.contact = contact
    row.save()


def _reject_registration(approval: ApprovalRequest, by) -> None:
    _decided_registration(approval).save()


def _registration_requested(approval: ApprovalRequest) -> dict:
    return {"changes": {"customer": [None, approval.evidence["customer"]]}}


def _registration_decided(approval: ApprovalRequest) -> dict:
    row = Registration.objects.get(pk=approval.subject_id)
    return {"changes": {"status": [Registration.Status.PENDING, row.status], "contact": [None, row.contact_id]}}


def register_registration_approval() -> None:
    """The self-registration's approval policy: anyone may ask (a stranger, through `register`),
    those who may invite decide, approving gives access; both steps are worded on the
    registration's timeline as before. Called from `ready`."""
    approval_registry.register(
        approval_registry.Policy(
            kind=REGISTRATION_APPROVAL,
            label=gettext_lazy("Portal access"),
            requesters=None,
            deciders="customers.invite",
            on_approve=_approve_registration,
            on_reject=_reject_registration,
            requested_entry=REGISTRATION_REQUESTED,
            decided_entry=REGISTRATION_DECIDED,
            requested_data=_registration_requested,
            decided_data=_registration_decided,
            refused_decision=gettext_lazy("Your role may not give portal access."),
            already_decided=gettext_lazy("This registration was already decided: %(status)s."),
        )
    )
