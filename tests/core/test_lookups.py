"""Integers out of the database's range match nothing in any lookup (`aftersales.core.lookups`),
on SQLite and on PostgreSQL alike, instead of OverflowError / DataError."""

from __future__ import annotations

import pytest

from aftersales.cases.models import Case
from aftersales.customers.models import Contact, Customer

HUGE = [2**63, 10**20, -(2**63) - 1, -(10**20)]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    "query",
    [
        lambda v: Contact.objects.filter(customer_id=v),
        lambda v: Contact.objects.filter(customer=v),
        lambda v: Contact.objects.filter(customer_id__in=[v]),
        lambda v: Contact.objects.filter(customer__in=[v]),
        lambda v: Customer.objects.filter(pk__in=[v]),
        lambda v: Customer.objects.filter(pk__in=[str(v)]),
        lambda v: Case.objects.filter(owner_id=v),
        lambda v: Contact.objects.exclude(customer_id=v).filter(pk__in=[]),
    ],
    ids=["fk-exact", "fk-object-exact", "fk-id-in", "fk-in", "pk-in", "pk-in-text", "user-fk", "exclude"],
)
def test_an_out_of_range_id_matches_nothing(contact_a, query, value):
    assert list(query(value)) == []


def test_values_in_range_are_kept_beside_out_of_range_ones(contact_a, customer_b):
    own = contact_a.contact

    assert list(Customer.objects.filter(pk__in=[2**63, customer_b.pk, -(10**20)])) == [customer_b]
    assert list(Contact.objects.filter(customer_id__in=[10**20, own.customer_id])) == [own]
    assert list(Contact.objects.exclude(customer_id=10**20)) == [own]
