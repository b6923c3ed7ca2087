"""Who changes master data through the API (called from `ApiConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import Role


def register() -> None:
    policy.declare(
        "api.master_data",
        roles={Role.ADMIN},
        refused=_("Only administrators may change master data."),
        description=_("Create and change master data through the API (superusers too)"),
    )
