"""Who reads and who triages incoming mail (called from `InboxConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.accounts.roles import CASE_WORKERS, STAFF_ROLES


def register() -> None:
    policy.declare(
        "inbox.read",
        roles=STAFF_ROLES,
        refused=_("Only the service company's staff may read incoming mail."),
        description=_("Read incoming mail and the quarantine"),
    )
    policy.declare(
        "inbox.triage",
        roles=CASE_WORKERS,
        refused=_("Your role may not handle incoming e-mail."),
        description=_("File incoming mail to a case, open a case from it, process it again"),
    )
