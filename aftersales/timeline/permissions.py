"""Who reads a subject's internal timeline entries (called from `TimelineConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import STAFF_ROLES


def register() -> None:
    policy.declare(
        "timeline.read_internal",
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff may see internal entries."),
        description=_("Read a timeline's internal (non-public) entries"),
    )
