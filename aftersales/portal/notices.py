"""The portal's notification kinds: the invitation (a one-time link to set a password) and the
answer to a self-registration. Both are e-mails in the outbox, written in the transaction that
grants or asks for access: a mail server that is down delays them, a rolled-back transaction
sends nothing. Registered from PortalConfig.ready (docs/notifications.md).
"""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy

from aftersales.core.mailids import make_message_id
from aftersales.customers.notices import contact_guard
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.registry import Audience, NotificationKind
from aftersales.notifications.services import wake_worker

PORTAL_INVITATION = "portal_invitation"
PORTAL_REGISTRATION = "portal_registration"


def set_password_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return rendering.site_url(reverse("portal:set_password", kwargs={"uidb64": uid, "token": token}))


def login_url() -> str:
    return rendering.site_url(reverse("portal:login"))


# --- the invitation --------------------------------------------------------------------------


def queue_invitation(*, user, contact) -> Notification:
    """Queue the invitation to `contact` (whose portal login is `user`) in the caller's
    transaction. Only the facts are stored: the link is made when the worker sends the mail,
    so it is fresh on every attempt and no usable link rests in the outbox."""
    row = Notification.objects.create(
        kind=PORTAL_INVITATION,
        contact=contact,
        channel=Channel.EMAIL,
        address=user.email,
        language=user.language or "",
        subject=PORTAL_INVITATION,  # replaced by the rendered subject when sent
        message_id=make_message_id(),
        payload={"user": user.pk, "customer": contact.customer_id},
    )
    wake_worker()
    return row


def invitation_guard(row: Notification) -> str:
    """The contact still has this portal login, active, for the customer it was invited for, and
    an address no contact of another customer shares."""
    contact = row.contact
    if contact is None or contact.user_id is None or contact.user_id != row.payload.get("user"):
        return "the contact's portal access was withdrawn"
    if not contact.user.is_active or not contact.customer.is_active:
        return "the contact's portal access was withdrawn"
    return contact_guard(row, customer_id=row.payload.get("customer"), address=contact.user.email)


def render_invitation(row: Notification) -> rendering.Rendered:
    from django.conf import settings

    user = row.contact.user
    context = {"contact": row.contact, "user": user, "url": set_password_url(user), "login_url": login_url()}
    return rendering.render(PORTAL_INVITATION, context, row.language or user.language or settings.LANGUAGE_CODE)


# --- the answer to a registration ------------------------------------------------------------


def registration_guard(row: Notification) -> str:
    # To whoever registered in the portal: to the address they gave, about nothing else.
    if row.channel != Channel.EMAIL or not row.address or row.case_id is not None or row.contact_id is not None:
        return "a registration answer goes by e-mail to the address given, about no case"
    return ""


def register() -> None:
    registry.register(
        NotificationKind(
            name=PORTAL_INVITATION,
            label=gettext_lazy("Invitation to the customer portal"),
            audience=Audience.CONTACT,
            render=render_invitation,
            keep_rendered=False,
            guard=invitation_guard,
            html=False,
        )
    )
    registry.register(
        NotificationKind(
            name=PORTAL_REGISTRATION,
            label=gettext_lazy("Answer to a portal registration"),
            audience=Audience.ADDRESS,
            guard=registration_guard,
            html=False,
        )
    )
