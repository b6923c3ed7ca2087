"""The one permission policy: every "may this person do this?" is asked here, by name.

A permission is a dotted name (`cases.close`, `dispatch.plan_roster`, `field.check_in`) that an
app declares once, in its `permissions.py`, from its `AppConfig.ready`: which roles hold it, an
optional condition on the object acted on, and the message a refused person reads. Pages, the
API, the portal, the worker and the services all ask the same question through `allowed` or
`require`, so a rule cannot hold in one entry point and not in another.

    policy.declare("cases.close", roles=CLOSERS, refused=_("Only a department manager may close a case."))
    policy.require(user, "cases.close", case)        # raises NotAllowed with that message
    if policy.allowed(user, "cases.close", case): …  # for showing a button

A permission that was never declared is refused (and `require` says so in the log), so a typo
fails closed. Inactive and anonymous users hold no permission.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import Role
from aftersales.core.errors import NotAllowed

log = logging.getLogger(__name__)

Condition = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Permission:
    """Who holds `name`: a person with one of `roles`, for whom `condition(user, obj)` (when
    given) is true. `refused` is what a refused person reads."""

    name: str
    roles: frozenset[Role]
    refused: str | Promise
    condition: Condition | None = None
    description: str | Promise = ""


_PERMISSIONS: dict[str, Permission] = {}

REFUSED = _("You may not do this.")


def declare(
    name: str,
    *,
    roles: Iterable[Role],
    refused: str | Promise = REFUSED,
    condition: Condition | None = None,
    description: str | Promise = "",
) -> Permission:
    """Declare the permission `name`. Declaring the same name again with the same roles and
    condition is harmless (an app's `ready` may run twice in tests); with different ones it is
    an error, so two apps cannot quietly disagree about one rule."""
    permission = Permission(name, frozenset(roles), refused, condition, description)
    existing = _PERMISSIONS.get(name)
    if existing is not None and (existing.roles, existing.condition) != (permission.roles, permission.condition):
        raise ValueError(f"permission {name!r} is declared twice, differently")
    _PERMISSIONS[name] = permission
    return permission


def get(name: str) -> Permission | None:
    return _PERMISSIONS.get(name)


def declared() -> dict[str, Permission]:
    """Every declared permission by name (for the docs and the tests)."""
    return dict(_PERMISSIONS)


def roles_holding(name: str) -> frozenset[Role]:
    """The roles that hold `name` (before any condition on the object); none if undeclared."""
    permission = _PERMISSIONS.get(name)
    return permission.roles if permission else frozenset()


def allowed(user, name: str, obj: Any = None) -> bool:
    """Does `user` hold `name` (for `obj`, when the permission has a condition)? Never raises;
    an undeclared permission, an anonymous or an inactive user: False."""
    permission = _PERMISSIONS.get(name)
    if permission is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    if not (user.roles & permission.roles):
        return False
    return permission.condition is None or bool(permission.condition(user, obj))


def require(user, name: str, obj: Any = None) -> None:
    """Raise `NotAllowed` with the permission's message unless `user` holds `name` (for `obj`)."""
    if allowed(user, name, obj):
        return
    permission = _PERMISSIONS.get(name)
    if permission is None:
        log.error("permission %r was asked for but never declared", name)
        raise NotAllowed(REFUSED)
    raise NotAllowed(permission.refused)


def holds_role(user, roles: Iterable[str]) -> bool:
    """Does `user` (active, logged in) hold one of `roles`? For the mechanisms whose callers give
    a set of roles rather than a permission's name (an approval kind's deciders, a throwaway
    machine's table); everything else asks `allowed` by name."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(user.roles & frozenset(roles))


# --- scopes: which rows of a customer's data a person may see ---------------------------------

# Who sees every customer's data (staff); declared in accounts/permissions.py.
ALL_CUSTOMERS = "accounts.all_customers"


@dataclass(frozen=True)
class CustomerScope:
    """What one person may see of the customers' data: everything (staff), the rows of one
    customer through the active `contact` record the person logs in as, or nothing."""

    everything: bool = False
    contact: Any = None

    @property
    def customer_id(self) -> int | None:
        return self.contact.customer_id if self.contact is not None else None


NOTHING = CustomerScope()


def customer_scope(user) -> CustomerScope:
    """THE customer-scope rule, asked by every read of customers' data (pages, API, portal,
    filters, files, documents): a person holding `accounts.all_customers` sees everything; an
    active customer contact whose contact record is active sees their own organisation's rows;
    anyone else (no role, inactive, anonymous, a contact record switched off) nothing."""
    if allowed(user, ALL_CUSTOMERS):
        return CustomerScope(everything=True)
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOTHING
    if Role.CUSTOMER not in user.roles:
        return NOTHING
    contact = getattr(user, "contact", None)
    if contact is None or not contact.is_active:
        return NOTHING
    return CustomerScope(contact=contact)


# model → how a customer's scope narrows its rows: (queryset, scope) → queryset.
ScopeRule = Callable[[Any, CustomerScope], Any]
_SCOPES: dict[type, ScopeRule] = {}


def register_scope(model: type, rule: ScopeRule) -> None:
    """The owning app says, from its `AppConfig.ready`, how a customer's scope narrows the rows
    of `model` (cases: the manager's whole organisation, else their own and copied cases;
    master data: the rows of the customer). Registering again replaces it."""
    _SCOPES[model] = rule


def scoped_models() -> frozenset[type]:
    return frozenset(_SCOPES)


def scope(user, queryset):
    """The rows of `queryset` that `user` may see, by `customer_scope(user)` and the rule the
    model's app registered. A model nobody registered is closed to customers."""
    seen = customer_scope(user)
    if seen.everything:
        return queryset
    rule = _SCOPES.get(queryset.model)
    if seen.contact is None or rule is None:
        return queryset.none()
    return rule(queryset, seen)


def holders(name: str):
    """The active users holding `name` by their roles, for choosing people (a form's choices, a
    rule's candidates). A permission's condition on an object is not applied: ask `allowed`
    with the object before acting."""
    from django.contrib.auth import get_user_model

    roles = [role.value for role in roles_holding(name)]
    return get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct()
