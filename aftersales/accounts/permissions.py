"""The kernel's own permission: who sees every customer's data (the customer-scope rule's "staff")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import STAFF_ROLES


def register() -> None:
    policy.declare(
        policy.ALL_CUSTOMERS,
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff may see every customer's data."),
        description=_("See every customer's cases and master data (staff)"),
    )
