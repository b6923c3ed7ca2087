"""Who may do what with spare parts, declared once in the permission policy
(`aftersales.accounts.policy`) and asked by pages, API and services alike."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import CASE_WORKERS, CLOSERS, ENGINEERS, MANAGERS, STAFF_ROLES, Role

# Names, so a typo is an import error rather than a refusal.
VIEW_STOCK = "parts.view_stock"
MOVE_STOCK = "parts.move_stock"
REQUEST_PART = "parts.request_part"
RECORD_CONSENT = "parts.record_consent"
GIVE_CONSENT = "parts.give_consent"
SERVE_REQUEST = "parts.serve_request"
FIT_PART = "parts.fit_part"
CANCEL_REQUEST = "parts.cancel_request"
MANAGE_RMA = "parts.manage_rma"
OFFER_QUOTE = "parts.offer_quote"
OFFER_RETURN = "parts.offer_return"
DECIDE_RETURN = "parts.decide_return"
EXPORT_CHARGES = "parts.export_charges"

CLERKS = frozenset({Role.PARTS_CLERK})
HANDLERS = ENGINEERS | MANAGERS
# The roles the state tables of parts/workflow.py name per move.
MOVE_HANDLERS = HANDLERS
MOVE_CLERKS = CLERKS | MANAGERS
MOVE_ANSWERERS = CASE_WORKERS | {Role.CUSTOMER}
MOVE_DECIDERS = MANAGERS | CLOSERS


def _own_customer(user, obj) -> bool:
    """A customer's contact acts only on a row of their own organisation (and may see its case)."""
    contact = getattr(user, "contact", None)
    if contact is None or not contact.is_active or obj is None:
        return False
    return obj.customer_id == contact.customer_id


def register() -> None:
    declare = policy.declare
    declare(
        VIEW_STOCK,
        roles=STAFF_ROLES,
        refused=_("Stock is for the service company's staff."),
        description=_("See warehouses, stock and the ledger"),
    )
    declare(
        MOVE_STOCK,
        roles=CLERKS | MANAGERS,
        refused=_("Only a parts clerk may move stock."),
        description=_("Receive, issue, transfer or write off stock"),
    )
    declare(
        REQUEST_PART,
        roles=HANDLERS,
        refused=_("Only an engineer may file a part request."),
        description=_("File a part request on a case"),
    )
    declare(
        RECORD_CONSENT,
        roles=CASE_WORKERS,
        refused=_("Only the desk may record the customer's answer."),
        description=_("Record the customer's answer to a part request, quote or offer"),
    )
    declare(
        GIVE_CONSENT,
        roles={Role.CUSTOMER},
        condition=_own_customer,
        refused=_("Only the customer's contact may answer for the customer."),
        description=_("Answer for the customer's organisation (portal)"),
    )
    declare(
        SERVE_REQUEST,
        roles=CLERKS | MANAGERS,
        refused=_("Only a parts clerk may serve a part request."),
        description=_("Reserve and issue the part of a request"),
    )
    declare(
        FIT_PART,
        roles=HANDLERS,
        refused=_("Only an engineer may record fitting a part."),
        description=_("Record fitting a part (serials in and out)"),
    )
    declare(
        CANCEL_REQUEST,
        roles=HANDLERS | CLERKS,
        refused=_("Your role may not cancel a part request."),
        description=_("Cancel a part request"),
    )
    declare(
        MANAGE_RMA,
        roles=CLERKS | MANAGERS,
        refused=_("Only a parts clerk may record RMAs."),
        description=_("Claim, receive and ship vendor RMAs"),
    )
    declare(
        OFFER_QUOTE,
        roles=HANDLERS | {Role.HOTLINE},
        refused=_("Your role may not quote a repair."),
        description=_("Quote a chargeable repair"),
    )
    declare(
        OFFER_RETURN,
        roles=HANDLERS,
        refused=_("Only an engineer may offer a return, exchange or refund."),
        description=_("Offer a return, exchange or refund"),
    )
    declare(
        DECIDE_RETURN,
        roles=MANAGERS | CLOSERS,
        refused=_("Only a manager may approve a return, exchange or refund."),
        description=_("Approve a return, exchange or refund"),
    )
    declare(
        EXPORT_CHARGES,
        roles=MANAGERS | CLOSERS | CLERKS | {Role.ADMIN},
        refused=_("Your role may not export charges."),
        description=_("Export charge records for finance"),
    )
