"""The hotline's one search box: find the caller by phone, name or serial number."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from aftersales.customers.models import Contact, Customer
from aftersales.customers.phones import phone_search_key
from aftersales.installed_base.models import Equipment

LOOKUP_LIMIT = 15


@dataclass
class LookupResult:
    customers: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    equipment: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.customers or self.contacts or self.equipment)


def lookup(text: str) -> LookupResult:
    """Customers, contacts and equipment matching part of a phone number, a customer or
    contact name, a serial number or a host name. Staff only: callers are unknown here."""
    text = (text or "").strip()
    if len(text) < 2:
        return LookupResult()
    digits = phone_search_key(text)
    contact_q = Q(name__icontains=text) | Q(email__icontains=text)
    if len(digits) >= 3:
        contact_q |= Q(phone__contains=digits) | Q(mobile__contains=digits)
    return LookupResult(
        customers=list(
            Customer.objects.filter(
                Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code__iexact=text)
            ).filter(is_active=True)[:LOOKUP_LIMIT]
        ),
        contacts=list(Contact.objects.filter(contact_q, is_active=True).select_related("customer")[:LOOKUP_LIMIT]),
        equipment=list(
            Equipment.objects.filter(Q(serial_number__icontains=text) | Q(hostname__icontains=text)).select_related(
                "product_model__vendor", "site", "customer"
            )[:LOOKUP_LIMIT]
        ),
    )
