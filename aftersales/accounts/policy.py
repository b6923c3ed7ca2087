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
