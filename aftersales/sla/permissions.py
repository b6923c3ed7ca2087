"""Who sees the duty board (called from `SlaConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import STAFF_ROLES


def register() -> None:
    policy.declare(
        "sla.duty_board",
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff may see the duty board."),
        description=_("See the duty board (cases due soon or late)"),
    )
