"""Who may give portal access, and how a customer's scope narrows the customers' master data
(called from `CustomersConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import MANAGERS, STAFF_ROLES, Role

# Who may give a customer's contact access to the portal (and decide a self-registration).
INVITERS = frozenset({Role.HOTLINE, Role.EXECUTIVE, Role.ADMIN}) | MANAGERS


def own_customer(rows, scope: policy.CustomerScope):
    """The rows of a model with a `customer` foreign key that belong to the scope's customer."""
    return rows.filter(customer_id=scope.customer_id)


def _not_staff(user, obj) -> bool:
    # A staff member who also holds the customer role is staff, never a customer's contact.
    return not (user.roles & STAFF_ROLES)


def register() -> None:
    policy.declare(
        "customers.contact",
        roles={Role.CUSTOMER},
        refused=_("Only a customer's contact may do this."),
        condition=_not_staff,
        description=_("Act as a customer's contact: the portal, replies and files on the cases they see"),
    )
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
