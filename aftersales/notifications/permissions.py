"""Who receives staff notifications and sets preferences (called from `NotificationsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import STAFF_ROLES


def register() -> None:
    policy.declare(
        "notifications.receive",
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff receive these notifications."),
        description=_("Receive staff notifications and choose which ones"),
    )
