"""What the outbox needs to know about a customer's contacts: their address on a channel,
their language, and whether a message may still go to them (checked before every attempt)."""

from __future__ import annotations

from aftersales.customers.models import Contact
from aftersales.notifications.models import Channel, Notification

DEFAULT_CONTACT_LANGUAGE = "zh-hans"


def contact_address(contact: Contact, channel: str) -> str:
    """The contact's current address on `channel` ("" if none)."""
    if channel == Channel.EMAIL:
        return contact.email or (contact.user.email if contact.user_id else "")
    if channel == Channel.SMS:
        return contact.mobile
    return ""


def contact_language(contact: Contact) -> str:
    """A contact's language: their login's, if they have one; Chinese otherwise."""
    return contact.user.language if contact.user_id and contact.user.language else DEFAULT_CONTACT_LANGUAGE


def contact_guard(row: Notification, *, customer_id: int | None, address: str | None = None) -> str:
    """Why a message to `row.contact` must not go out, or "".

    The contact must be active and belong to `customer_id` (the customer the message is about),
    and still have an address on the channel (`address`, if the kind knows it better, as the
    portal login's e-mail), which no contact of another customer shares. A changed address is
    followed: the row is updated to the current one.
    """
    contact = row.contact
    if contact is None:
        return "no contact"
    if not contact.is_active:
        return "the contact is no longer active"
    if customer_id is None or contact.customer_id != customer_id:
        return "the contact does not belong to the case's customer"
    current = contact_address(contact, row.channel) if address is None else address
    if not current:
        return "the contact has no address for this channel any more"
    if current != row.address:
        Notification.objects.filter(pk=row.pk).update(address=current)
        row.address = current
    others = Contact.objects.exclude(customer_id=contact.customer_id)
    if row.channel == Channel.EMAIL and others.filter(email__iexact=current).exists():
        return "the address also belongs to a contact of another customer"
    if row.channel == Channel.SMS and others.filter(mobile=current).exists():
        return "the number also belongs to a contact of another customer"
    return ""
