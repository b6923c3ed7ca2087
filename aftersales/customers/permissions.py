"""Who may give portal access, and how a customer's scope narrows the customers' master data
(called from `CustomersConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import MANAGERS, Role

# Who may give a customer's contact access to the portal (and decide a self-registration).
INVITERS = frozenset({Role.HOTLINE, Role.EXECUTIVE, Role.ADMIN}) | MANAGERS


def own_customer(rows, scope: policy.CustomerScope):
    """The rows of a model with a `customer` foreign key that belong to the scope's customer."""
    return rows.filter(customer_id=scope.customer_id)


def register() -> None:
    policy.declare(
        "customers.invite",
        roles=INVITERS,
        refused=_("Your role may not give portal access."),
        description=_("Give a customer's contact portal access; decide self-registrations"),
    )
    from aftersales.customers.models import Contact, Customer, Site

    policy.register_scope(Customer, lambda rows, scope: rows.filter(pk=scope.customer_id))
    policy.register_scope(Contact, own_customer)
    policy.register_scope(Site, own_customer)
