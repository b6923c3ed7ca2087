"""What the spare-parts services share: the error, field errors, serial numbers, the case's
timeline, who answers for the customer, whether a repair is chargeable."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases.models import Case
from aftersales.cases.queries import visible_cases
from aftersales.contracts.entitlement import EntitlementKind, entitlement_for
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.customers.models import Contact
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    ConsentChannel,
    PartRequest,
    Quote,
)
from aftersales.timeline import services as timeline


class PartsError(DomainError):
    """A spare-parts operation that cannot be done, with field errors where they belong."""


def _field_error(field: str, message) -> PartsError:
    return PartsError(message, fields={field: [message]})


def _clean_serial(value: str) -> str:
    return (value or "").strip().upper()[:64]


def _record_on_case(case: Case | None, *, by, kind: str, public: bool = False, **data: object) -> None:
    if case is not None:
        timeline.record(case, actor=by, kind=kind, data=data, public=public)


def _may_answer_for_customer(by, row) -> bool:
    """A contact of the row's customer who can see its case, or the desk recording an answer."""
    if policy.allowed(by, perms.GIVE_CONSENT, row):
        return visible_cases(by).filter(pk=row.case_id).exists()
    return policy.allowed(by, perms.RECORD_CONSENT, row)


def _answering_contact(by, row, contact: Contact | None) -> tuple[Contact | None, str]:
    """Who answered and how: the contact's own login (portal), or the desk naming the contact."""
    own = getattr(by, "contact", None)
    if policy.allowed(by, perms.GIVE_CONSENT, row):
        return own, ConsentChannel.PORTAL
    if contact is not None and contact.customer_id != row.customer_id:
        raise _field_error("contact", _("Not a contact of this customer."))
    return contact, ConsentChannel.DESK


def _require_answerer(by, row) -> None:
    if not _may_answer_for_customer(by, row):
        # A stranger learns nothing: the same words as for a row that does not exist.
        raise NotAllowed(_("Only the customer's contact may answer for the customer."))


def _require_quote_if_chargeable(request: PartRequest) -> None:
    """Chargeable work starts only after the customer accepted the quote (R1.3)."""
    case = request.case
    if case_is_chargeable(case) and not case.quotes.filter(status=Quote.Status.ACCEPTED).exists():
        raise NotAllowed(_("This repair is chargeable: the customer must accept the quote before the part is served."))


def case_is_chargeable(case: Case) -> bool:
    if case.equipment_id is None:
        return False
    today = timezone.localdate()
    return entitlement_for(case.equipment, on=today, excluded_cause=case.excluded_cause).kind == (
        EntitlementKind.CHARGEABLE
    )
