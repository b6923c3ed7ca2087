"""Who an alarm source may act as (called from `MonitoringConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import STAFF_ROLES


def register() -> None:
    policy.declare(
        "monitoring.act_for_source",
        roles=STAFF_ROLES,
        refused=_("The API user must be a staff account, never a customer's."),
        description=_("Be the API user an alarm source opens cases as"),
    )
