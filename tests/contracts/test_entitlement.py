"""Warranty, maintenance contracts and chargeable repairs (R1.3, R1.5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.cases.models import Severity
from aftersales.contracts.entitlement import EntitlementKind, ExcludedCause, entitlement_for
from aftersales.contracts.models import ChargeStandard
from aftersales.installed_base.models import ProductModel
from tests.factories import ContractFactory, EquipmentFactory, ProductModelFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_a(customer_a):
    return SiteFactory(customer=customer_a, name="门诊楼机房")


@pytest.fixture
def make_equipment(site_a):
    def make(**kwargs):
        kwargs.setdefault("acceptance_date", dt.date(2025, 11, 22))
        kwargs.setdefault("contract_price", Decimal("100000.00"))
        return EquipmentFactory(site=site_a, **kwargs)

    return make


# --- warranty -------------------------------------------------------------------------------


def test_warranty_covers_the_last_day_before_the_anniversary(make_equipment):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))

    last_day = entitlement_for(pbx, on=dt.date(2026, 11, 21))

    assert last_day.kind == EntitlementKind.WARRANTY
    assert last_day.warranty_end == dt.date(2026, 11, 21)
    assert last_day.is_covered
    assert last_day.repair_quote is None


def test_repair_is_chargeable_from_the_anniversary_of_acceptance(make_equipment):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))

    anniversary = entitlement_for(pbx, on=dt.date(2026, 11, 22))

    assert anniversary.kind == EntitlementKind.CHARGEABLE
    assert not anniversary.is_covered
    assert anniversary.repair_quote == Decimal("12000.00")


def test_warranty_starts_on_the_acceptance_day(make_equipment):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))

    assert entitlement_for(pbx, on=dt.date(2025, 11, 22)).kind == EntitlementKind.WARRANTY
    assert entitlement_for(pbx, on=dt.date(2025, 11, 21)).kind == EntitlementKind.CHARGEABLE


def test_acceptance_on_31_january_is_covered_through_30_january(make_equipment):
    pbx = make_equipment(acceptance_date=dt.date(2025, 1, 31))

    assert pbx.warranty_end == dt.date(2026, 1, 30)
    assert entitlement_for(pbx, on=dt.date(2026, 1, 30)).kind == EntitlementKind.WARRANTY
    assert entitlement_for(pbx, on=dt.date(2026, 1, 31)).kind == EntitlementKind.CHARGEABLE


@pytest.mark.parametrize(
    ("accepted", "months", "last_covered"),
    [
        # There is no 31 February: cover runs through the last day of February.
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2025, 1, 31), 13, dt.date(2026, 2, 28)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 8, 31), 3, dt.date(2025, 11, 30)),
        # The day exists: cover ends the day before it.
        (dt.date(2025, 2, 28), 12, dt.date(2026, 2, 27)),
    ],
)
def test_warranty_ends_on_the_last_day_of_a_month_without_the_matching_day(
    make_equipment, accepted, months, last_covered
):
    unit = make_equipment(acceptance_date=accepted, warranty_months=months)

    assert unit.warranty_end == last_covered
    assert entitlement_for(unit, on=last_covered).kind == EntitlementKind.WARRANTY
    assert entitlement_for(unit, on=last_covered + dt.timedelta(days=1)).kind == EntitlementKind.CHARGEABLE


def test_equipment_never_accepted_has_no_warranty(make_equipment):
    unit = make_equipment(acceptance_date=None)

    entitlement = entitlement_for(unit, on=dt.date(2026, 3, 1))

    assert entitlement.kind == EntitlementKind.CHARGEABLE
    assert entitlement.warranty_end is None
    assert entitlement.repair_quote == Decimal("12000.00")


def test_equipment_never_accepted_is_still_covered_by_its_contract(make_equipment, customer_a):
    unit = make_equipment(acceptance_date=None)
    contract = ContractFactory(customer=customer_a)
    contract.equipment.add(unit)

    entitlement = entitlement_for(unit, on=dt.date(2026, 3, 1))

    assert entitlement.kind == EntitlementKind.CONTRACT
    assert entitlement.contract == contract


def test_no_equipment_means_entitlement_unknown():
    assert entitlement_for(None, on=dt.date(2026, 3, 1)).kind == EntitlementKind.UNKNOWN


# --- contracts --------------------------------------------------------------------------------


def test_contract_in_force_covers_listed_equipment_after_warranty(make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    contract = ContractFactory(customer=customer_a, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    contract.equipment.add(pbx)

    entitlement = entitlement_for(pbx, on=dt.date(2026, 12, 31))

    assert entitlement.kind == EntitlementKind.CONTRACT
    assert entitlement.contract == contract
    assert entitlement.repair_quote is None


def test_expired_contract_falls_back_to_chargeable(make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    expired = ContractFactory(customer=customer_a, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    expired.equipment.add(pbx)

    entitlement = entitlement_for(pbx, on=dt.date(2026, 1, 1))

    assert entitlement.kind == EntitlementKind.CHARGEABLE
    assert entitlement.contract is None
    assert entitlement.repair_quote == Decimal("12000.00")


def test_expired_contract_falls_back_to_warranty(make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))
    expired = ContractFactory(customer=customer_a, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    expired.equipment.add(pbx)

    entitlement = entitlement_for(pbx, on=dt.date(2026, 1, 1))

    assert entitlement.kind == EntitlementKind.WARRANTY
    assert entitlement.contract is None


def test_contract_not_yet_started_does_not_cover(make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    future = ContractFactory(customer=customer_a, start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 12, 31))
    future.equipment.add(pbx)

    assert entitlement_for(pbx, on=dt.date(2026, 12, 31)).kind == EntitlementKind.CHARGEABLE
    assert entitlement_for(pbx, on=dt.date(2027, 1, 1)).kind == EntitlementKind.CONTRACT


def test_contract_covers_only_the_equipment_it_lists(make_equipment, customer_a):
    listed = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    unlisted = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    contract = ContractFactory(customer=customer_a)
    contract.equipment.add(listed)
    day = dt.date(2026, 6, 1)

    assert entitlement_for(listed, on=day).kind == EntitlementKind.CONTRACT
    unlisted_entitlement = entitlement_for(unlisted, on=day)
    assert unlisted_entitlement.kind == EntitlementKind.CHARGEABLE
    assert unlisted_entitlement.contract is None


def test_of_two_contracts_in_force_the_one_ending_last_wins(make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    short = ContractFactory(customer=customer_a, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 6, 30))
    long = ContractFactory(customer=customer_a, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 6, 30))
    short.equipment.add(pbx)
    long.equipment.add(pbx)

    assert entitlement_for(pbx, on=dt.date(2026, 3, 1)).contract == long


# --- excluded causes ------------------------------------------------------------------------------


@pytest.mark.parametrize("cause", [c for c in ExcludedCause.values if c])
def test_excluded_cause_is_chargeable_even_in_warranty(make_equipment, cause):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))

    entitlement = entitlement_for(pbx, on=dt.date(2026, 1, 10), excluded_cause=cause)

    assert entitlement.kind == EntitlementKind.CHARGEABLE
    assert entitlement.excluded_cause == cause
    assert entitlement.repair_quote == Decimal("12000.00")


def test_misuse_is_chargeable_even_under_a_contract(make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    contract = ContractFactory(customer=customer_a)
    contract.equipment.add(pbx)

    entitlement = entitlement_for(pbx, on=dt.date(2026, 6, 1), excluded_cause=ExcludedCause.MISUSE)

    assert entitlement.kind == EntitlementKind.CHARGEABLE
    assert entitlement.contract is None


# --- the quote ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "quote"),
    [
        (Decimal("100000.00"), Decimal("12000.00")),
        (Decimal("12345.67"), Decimal("1481.48")),  # 1481.4804
        (Decimal("999.99"), Decimal("120.00")),  # 119.9988 rounds up, not down
        (Decimal("0.04"), Decimal("0.00")),  # 0.0048
        (Decimal("0.05"), Decimal("0.01")),  # 0.006
    ],
)
def test_hardware_repair_is_quoted_at_12_percent_rounded_to_the_cent(make_equipment, price, quote):
    unit = make_equipment(acceptance_date=None, contract_price=price)

    entitlement = entitlement_for(unit, on=dt.date(2026, 6, 1))

    assert entitlement.repair_rate == Decimal("0.12")
    assert entitlement.repair_quote == quote
    assert entitlement.repair_quote.as_tuple().exponent == -2


def test_quote_uses_the_charge_standard_of_the_customers_latest_contract(make_equipment, customer_a):
    ChargeStandard.objects.create(name="默认标准", hardware_repair_rate=Decimal("0.15"), is_default=True)
    own = ChargeStandard.objects.create(name="医院优惠标准", hardware_repair_rate=Decimal("0.10"))
    ContractFactory(customer=customer_a, end_date=dt.date(2025, 12, 31), start_date=dt.date(2025, 1, 1))
    ContractFactory(
        customer=customer_a, end_date=dt.date(2026, 3, 31), start_date=dt.date(2025, 4, 1), charge_standard=own
    )
    unit = make_equipment(acceptance_date=None, contract_price=Decimal("50000.00"))

    entitlement = entitlement_for(unit, on=dt.date(2026, 6, 1))

    assert entitlement.repair_rate == Decimal("0.10")
    assert entitlement.repair_quote == Decimal("5000.00")


def test_quote_uses_the_default_charge_standard_without_a_contract_standard(make_equipment):
    ChargeStandard.objects.create(name="默认标准", hardware_repair_rate=Decimal("0.15"), is_default=True)
    unit = make_equipment(acceptance_date=None, contract_price=Decimal("50000.00"))

    assert entitlement_for(unit, on=dt.date(2026, 6, 1)).repair_quote == Decimal("7500.00")


def test_software_gets_no_hardware_repair_quote(make_equipment):
    software = ProductModelFactory(name="呼叫中心软件 V5", category=ProductModel.Category.SOFTWARE, is_hardware=False)
    unit = make_equipment(product_model=software, acceptance_date=dt.date(2024, 1, 1))

    entitlement = entitlement_for(unit, on=dt.date(2026, 6, 1))

    assert entitlement.kind == EntitlementKind.CHARGEABLE
    assert entitlement.repair_quote is None


def test_equipment_without_a_contract_price_gets_no_quote(make_equipment):
    unit = make_equipment(acceptance_date=None, contract_price=None)

    entitlement = entitlement_for(unit, on=dt.date(2026, 6, 1))

    assert entitlement.kind == EntitlementKind.CHARGEABLE
    assert entitlement.repair_quote is None


# --- the snapshot on the case --------------------------------------------------------------------------


def test_opening_a_case_records_the_contract_it_falls_under(open_case, make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1))
    contract = ContractFactory(customer=customer_a)
    contract.equipment.add(pbx)

    case = open_case(customer_a, equipment=pbx, opened_at=dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC))

    case.refresh_from_db()
    assert case.entitlement == EntitlementKind.CONTRACT
    assert case.contract == contract
    assert case.repair_quote is None


def test_opening_a_case_freezes_the_quote_even_if_a_contract_is_added_later(open_case, make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2024, 5, 1), contract_price=Decimal("88000.00"))
    case = open_case(customer_a, equipment=pbx, opened_at=dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC))

    ContractFactory(customer=customer_a).equipment.add(pbx)

    case.refresh_from_db()
    assert case.entitlement == EntitlementKind.CHARGEABLE
    assert case.contract is None
    assert case.repair_quote == Decimal("10560.00")


def test_opening_a_case_records_an_excluded_cause_as_chargeable(open_case, make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))

    case = open_case(
        customer_a,
        equipment=pbx,
        excluded_cause=ExcludedCause.MISUSE,
        opened_at=dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC),
    )

    case.refresh_from_db()
    assert case.entitlement == EntitlementKind.CHARGEABLE
    assert case.excluded_cause == ExcludedCause.MISUSE
    assert case.repair_quote == Decimal("12000.00")


def test_entitlement_on_a_case_uses_the_shanghai_date(open_case, make_equipment, customer_a):
    pbx = make_equipment(acceptance_date=dt.date(2025, 11, 22))
    # 2026-11-21 16:30 UTC is already 2026-11-22 00:30 in Shanghai: the warranty has ended.
    after_midnight = open_case(customer_a, equipment=pbx, opened_at=dt.datetime(2026, 11, 21, 16, 30, tzinfo=dt.UTC))
    before_midnight = open_case(customer_a, equipment=pbx, opened_at=dt.datetime(2026, 11, 21, 15, 59, tzinfo=dt.UTC))

    assert after_midnight.entitlement == EntitlementKind.CHARGEABLE
    assert after_midnight.repair_quote == Decimal("12000.00")
    assert before_midnight.entitlement == EntitlementKind.WARRANTY
    assert before_midnight.repair_quote is None


def test_case_without_equipment_has_unknown_entitlement(open_case, customer_a):
    case = open_case(customer_a, severity=Severity.D)

    assert case.entitlement == EntitlementKind.UNKNOWN
    assert case.contract is None
