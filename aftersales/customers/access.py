"""A contact's access to the customer portal: the invitation.

The customer's contacts are this app's; the portal is one entry point that lets them in. The
staff side (the portal's access page, this app's admin, an approved registration) invites
through `invite_contact`; the invitation is an e-mail in the outbox, written in the same
transaction. The names of the kinds ("portal_invitation", "portal.invited") are stored in rows
and stay as they were.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.core.errors import DomainError
from aftersales.core.mailids import make_message_id
from aftersales.customers.models import Contact
from aftersales.customers.notices import contact_guard
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Channel, Notification
from aftersales.notifications.registry import Audience, NotificationKind
from aftersales.notifications.services import wake_worker
from aftersales.timeline import services as timeline

PORTAL_INVITATION = "portal_invitation"  # the notification kind
INVITED = "portal.invited"  # the timeline kind (worded in aftersales.customers.apps)


class AccessError(DomainError):
    """Portal access that cannot be given as asked."""


def require_inviter(by) -> None:
    """NotAllowed unless `by` may give portal access."""
    policy.require(by, "customers.invite")


@transaction.atomic
def invite_contact(*, contact: Contact, by) -> User:
    """Give a contact portal access: a user with the customer role linked to the contact, and
    an e-mail with a one-time link to set a password, queued in the outbox (sent once this
    transaction commits, retried while the mail server is down). Inviting again sends a fresh
    link."""
    require_inviter(by)
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    if not contact.is_active or not contact.customer.is_active:
        raise AccessError(_("This contact is no longer active."))
    email = (contact.email or "").strip().lower()
    if not email:
        raise AccessError(
            _("The contact has no e-mail address."), fields={"email": [_("Enter the contact's e-mail first.")]}
        )
    user = contact.user
    if user is None:
        if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
            raise AccessError(
                _("Another account already uses this e-mail address."), fields={"email": [_("Use another address.")]}
            )
        user = User(username=email, email=email, display_name=contact.name)
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.CUSTOMER))
        contact.user = user
        contact.save(update_fields=["user"])
    elif not policy.allowed(user, "customers.contact"):
        raise AccessError(_("This contact is linked to a staff account."))
    timeline.record(contact, actor=by, kind=INVITED, data={"changes": {"user": [None, user.pk]}})
    queue_invitation(user=user, contact=contact)
    return user


# --- the invitation e-mail -------------------------------------------------------------------


def set_password_url(user) -> str:
    """The one-time link where `user` sets a password (the portal's page, by its URL name)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return rendering.site_url(reverse("portal:set_password", kwargs={"uidb64": uid, "token": token}))


def login_url() -> str:
    return rendering.site_url(reverse("portal:login"))


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
    user = contact.user if contact is not None else None
    if contact is None or user is None or user.pk != row.payload.get("user"):
        return "the contact's portal access was withdrawn"
    if not user.is_active or not contact.customer.is_active:
        return "the contact's portal access was withdrawn"
    return contact_guard(row, customer_id=row.payload.get("customer"), address=user.email)


def render_invitation(row: Notification) -> rendering.Rendered:
    """The invitation in the invitee's language, the link made now (after the guard passed)."""
    contact, user = row.contact, row.contact.user if row.contact is not None else None
    if contact is None or user is None:
        raise ValueError("an invitation without its contact's login")  # the guard stops it first
    context = {"contact": contact, "user": user, "url": set_password_url(user), "login_url": login_url()}
    return rendering.render(PORTAL_INVITATION, context, row.language or user.language or settings.LANGUAGE_CODE)


def register() -> None:
    """Declare the invitation's notification kind (from CustomersConfig.ready)."""
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
