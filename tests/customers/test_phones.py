"""Phone numbers as callers and agents type them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from aftersales.customers.models import Contact
from aftersales.customers.phones import InvalidPhone, normalise_phone, phone_search_key
from aftersales.customers.queries import lookup
from tests.factories import ContactFactory, SiteFactory


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("138 1234 5678", "13812345678"),
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 138 1234 5678", "13812345678"),
        ("0086 21 6123 4567", "02161234567"),
        ("+86 21 6123 4567", "02161234567"),
        ("+86 (0)21 6123 4567", "02161234567"),
        ("(021) 6123-4567", "02161234567"),
        ("（021）6123－4567", "02161234567"),  # full-width brackets and dash from a Chinese IME
        ("021-61234567", "02161234567"),
        ("0571 8765 4321", "057187654321"),
        ("400-820-8820", "4008208820"),
        ("800 820 8820", "8008208820"),
        ("95588", "95588"),
        ("10086", "10086"),
        ("6123 4567", "61234567"),
        ("  138 1234 5678  ", "13812345678"),
    ],
)
def test_phone_is_normalised_to_the_digits_dialled_in_china(typed, canonical):
    assert normalise_phone(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("021-61234567 转 8001", "02161234567-8001"),
        ("021-61234567转8001", "02161234567-8001"),
        ("0571 8765 4321 分机 305", "057187654321-305"),
        ("(021) 6123-4567 ext. 12", "02161234567-12"),
        ("021 6123 4567 x 9", "02161234567-9"),
    ],
)
def test_extension_is_kept_after_a_dash(typed, canonical):
    assert normalise_phone(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "abc",
        "123",
        "+86 12",
        "1381234567",  # a mobile number one digit short
        "138123456789",  # one digit too many
        "1381234567890123456",
        "021-612345678901",  # landline too long
        "400-820-88",
        "138-abcd-5678",
        "+1 415 555 0100",  # not a Chinese number
        "021-61234567 转",
    ],
)
def test_implausible_phone_is_rejected(typed):
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


@pytest.mark.parametrize(
    ("fragment", "key"),
    [("138 1234", "1381234"), ("+86 138", "138"), ("(021) 6123", "0216123"), ("张三", ""), ("", "")],
)
def test_search_key_keeps_only_the_digits_of_a_partial_number(fragment, key):
    assert phone_search_key(fragment) == key


@pytest.mark.django_db
def test_contact_save_stores_normalised_numbers(customer_a):
    contact = ContactFactory(customer=customer_a, mobile="+86 138-1234-5678", phone="(021) 6123-4567 转 8001")

    contact.refresh_from_db()
    assert contact.mobile == "13812345678"
    assert contact.phone == "02161234567-8001"


@pytest.mark.django_db
def test_contact_validation_explains_a_bad_number(customer_a):
    contact = Contact(customer=customer_a, name="王工", mobile="abc")

    with pytest.raises(ValidationError) as invalid:
        contact.full_clean()

    assert list(invalid.value.message_dict) == ["mobile"]
    with translation.override("en"):  # the message is rendered when read, in the reader's language
        (message,) = invalid.value.message_dict["mobile"]
    assert "“abc” is not a valid phone number" in message
    assert "138 1234 5678" in message, "the message shows what a valid number looks like"


@pytest.mark.django_db
def test_contact_validation_accepts_and_normalises_a_good_number(customer_a):
    contact = Contact(customer=customer_a, name="王工", mobile="+86 138 1234 5678")

    contact.full_clean()

    assert contact.mobile == "13812345678"


@pytest.mark.django_db
def test_site_validation_rejects_a_bad_number(customer_a):
    site = SiteFactory.build(customer=customer_a, phone="+86 12")

    with pytest.raises(ValidationError) as invalid:
        site.full_clean()

    assert "phone" in invalid.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1234 5678", "138-1234", "+86 138 1234 5678"])
def test_lookup_finds_a_caller_by_part_of_the_number_however_it_is_typed(customer_a, customer_b, typed):
    caller = ContactFactory(customer=customer_a, name="王工", mobile="138 1234 5678")
    ContactFactory(customer=customer_b, name="李经理", mobile="139 8765 4321")

    assert lookup(typed).contacts == [caller]
