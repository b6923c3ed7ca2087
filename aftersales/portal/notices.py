"""The portal's notification kind: the answer to a self-registration, an e-mail in the outbox
written in the transaction that asks for access: a mail server that is down delays it, a
rolled-back transaction sends nothing. Registered from PortalConfig.ready
(docs/notifications.md). The invitation is the customers app's (aftersales.customers.access).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from aftersales.customers import access
from aftersales.notifications import registry
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.registry import Audience, NotificationKind

PORTAL_REGISTRATION = "portal_registration"


login_url = access.login_url


# --- the answer to a registration ------------------------------------------------------------


def registration_guard(row: Notification) -> str:
    # To whoever registered in the portal: to the address they gave, about nothing else.
    if row.channel != Channel.EMAIL or not row.address or row.case_id is not None or row.contact_id is not None:
        return "a registration answer goes by e-mail to the address given, about no case"
    return ""


def register() -> None:
    registry.register(
        NotificationKind(
            name=PORTAL_REGISTRATION,
            label=gettext_lazy("Answer to a portal registration"),
            audience=Audience.ADDRESS,
            guard=registration_guard,
            html=False,
        )
    )
