from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import CASE_WORKERS, STAFF_ROLES, Role
from aftersales.core import refcache


class User(AbstractUser):
    """A person who logs in: staff of the service company or a customer's contact."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The user's roles (group names that are role codes); cached for the request."""
        if not self.is_active:
            return frozenset()
        return role_holdings().get(self.pk, frozenset())

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_staff_member(self) -> bool:
        """Works for the service company (as opposed to a customer's contact)."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def can_take_calls(self) -> bool:
        """May use the phone intake (works cases; sales and administrators do not)."""
        return bool(self.roles & CASE_WORKERS)

    @property
    def is_customer_contact(self) -> bool:
        return Role.CUSTOMER in self.roles and not self.is_staff_member


def role_holdings() -> dict[int, frozenset[Role]]:
    """Every user's roles (from the groups named by role codes), read once per process and
    forgotten when a group or a membership changes (`aftersales.core.refcache`)."""

    def load() -> dict[int, frozenset[Role]]:
        held: dict[int, set[Role]] = {}
        memberships = User.groups.through.objects.filter(group__name__in=Role.values)
        for user_id, name in memberships.values_list("user_id", "group__name"):
            held.setdefault(user_id, set()).add(Role(name))
        return {user_id: frozenset(roles) for user_id, roles in held.items()}

    return refcache.cached("accounts.roles", (Group, User.groups.through), load)
