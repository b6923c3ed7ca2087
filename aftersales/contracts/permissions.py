"""Who reads service contracts, and how a customer's scope narrows them (called from
`ContractsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import STAFF_ROLES


def register() -> None:
    policy.declare(
        "contracts.read",
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff may read contracts."),
        description=_("Read service contracts and their terms (the API's contract list)"),
    )
    from aftersales.contracts.models import ServiceContract

    # A customer's own contracts, as choices of a filter by contract; the contract list itself
    # stays staff-only (contracts.read).
    policy.register_scope(ServiceContract, lambda rows, scope: rows.filter(customer_id=scope.customer_id))
