"""Chargeable repairs (R1.3): the quote's maths, who gets one, the customer's answer before
work starts, and the charge written at closure (exported for finance)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from aftersales.cases import services as case_services
from aftersales.contracts.models import ChargeStandard
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.parts import exports, services
from aftersales.parts.models import Charge, Quote
from aftersales.parts.pricing import quote_lines
from tests.factories import ContractFactory, EquipmentFactory

MONEY = st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2, allow_nan=False, allow_infinity=False)
RATE = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
HOURS = st.decimals(min_value=0, max_value=999, places=2, allow_nan=False, allow_infinity=False)


@given(price=MONEY, rate=RATE, hourly=MONEY, hours=HOURS, fee=MONEY, visits=st.integers(0, 99))
def test_quote_lines_are_rounded_to_the_cent_and_the_total_is_their_exact_sum(price, rate, hourly, hours, fee, visits):
    lines = quote_lines(
        contract_price=price, repair_rate=rate, hourly_rate=hourly, labour_hours=hours, on_site_fee=fee, visits=visits
    )
    for amount in (lines.repair, lines.labour, lines.travel):
        assert amount == amount.quantize(Decimal("0.01"))
        assert amount >= 0
    assert abs(lines.repair - price * rate) <= Decimal("0.005")
    assert abs(lines.labour - hourly * hours) <= Decimal("0.005")
    assert lines.travel == fee * visits
    assert lines.total == lines.repair + lines.labour + lines.travel


def test_twelve_percent_of_the_contract_price_rounds_half_up():
    lines = quote_lines(
        contract_price=Decimal("123.45"),
        repair_rate=Decimal("0.12"),
        hourly_rate=Decimal("0"),
        labour_hours=Decimal("0"),
        on_site_fee=Decimal("0"),
        visits=0,
    )
    assert lines.repair == Decimal("14.81")  # 14.814


def test_quote_maths_refuses_floats_and_negatives():
    with pytest.raises(TypeError):
        quote_lines(
            contract_price=100.0,  # type: ignore[arg-type]
            repair_rate=Decimal("0.12"),
            hourly_rate=Decimal("0"),
            labour_hours=Decimal("0"),
            on_site_fee=Decimal("0"),
            visits=0,
        )
    with pytest.raises(ValueError):
        quote_lines(
            contract_price=Decimal("-1"),
            repair_rate=Decimal("0.12"),
            hourly_rate=Decimal("0"),
            labour_hours=Decimal("0"),
            on_site_fee=Decimal("0"),
            visits=0,
        )


@pytest.fixture
def out_of_warranty(customer_a, equipment_a):
    return EquipmentFactory(
        site=equipment_a.site,
        product_model=equipment_a.product_model,
        acceptance_date=dt.date(2019, 3, 1),
        contract_price=Decimal("250000.00"),
    )


@pytest.fixture
def chargeable_case(open_case, customer_a, out_of_warranty, engineer):
    case = open_case(customer_a, equipment=out_of_warranty)
    case = case_services.transition(case=case, action="accept", by=engineer)
    return case_services.transition(case=case, action="start", by=engineer)


def test_out_of_warranty_without_contract_quotes_twelve_percent_plus_labour_and_travel(chargeable_case, engineer):
    ChargeStandard.objects.create(name="标准", is_default=True, hourly_rate=Decimal("300"), on_site_fee=Decimal("500"))
    quote = services.offer_quote(case=chargeable_case, labour_hours=Decimal("2.5"), visits=2, by=engineer)
    assert (quote.repair_amount, quote.labour_amount, quote.travel_amount) == (
        Decimal("30000.00"),
        Decimal("750.00"),
        Decimal("1000.00"),
    )
    assert quote.total == Decimal("31750.00")


def test_the_customers_contract_charge_standard_sets_the_rate(chargeable_case, engineer, customer_a):
    standard = ChargeStandard.objects.create(name="优惠", hardware_repair_rate=Decimal("0.10"))
    ContractFactory(
        customer=customer_a, charge_standard=standard, end_date=dt.date(2020, 1, 1), start_date=dt.date(2019, 1, 1)
    )
    quote = services.offer_quote(case=chargeable_case, by=engineer)
    assert quote.repair_amount == Decimal("25000.00")


def test_covered_equipment_gets_no_quote_unless_the_cause_is_excluded(working_case, engineer, open_case, customer_a):
    with pytest.raises(NotAllowed):
        services.offer_quote(case=working_case, by=engineer)
    misuse = open_case(customer_a, equipment=working_case.equipment, excluded_cause="misuse")
    quote = services.offer_quote(case=misuse, by=engineer)
    assert quote.excluded_cause == "misuse" and quote.repair_amount == Decimal("12000.00")


def test_one_live_quote_per_case(chargeable_case, engineer):
    services.offer_quote(case=chargeable_case, by=engineer)
    with pytest.raises(Conflict):
        services.offer_quote(case=chargeable_case, by=engineer)


def test_chargeable_part_is_served_only_after_the_quote_is_accepted(
    chargeable_case, engineer, contact_a, clerk, part, stocked, out_of_warranty
):
    part.product_models.add(out_of_warranty.product_model)
    request = services.file_part_request(case=chargeable_case, part=part, faulty_serial="X", by=engineer)
    services.confirm_part_request(request=request, by=contact_a)
    with pytest.raises(NotAllowed):
        services.serve_from_stock(request=request, warehouse=stocked, good_serial="G", by=clerk)
    quote = services.offer_quote(case=chargeable_case, by=engineer)
    services.answer_quote(quote=quote, accept=True, by=contact_a)
    services.serve_from_stock(request=request, warehouse=stocked, good_serial="G", by=clerk)


def test_closing_a_case_with_an_accepted_quote_writes_one_charge_with_the_parts_used(
    chargeable_case, engineer, contact_a, clerk, part, stocked, manager
):
    part.unit_price = Decimal("800.00")
    part.save()
    quote = services.offer_quote(case=chargeable_case, by=engineer)
    services.answer_quote(quote=quote, accept=True, by=contact_a)
    services.record_movement(
        warehouse=stocked, part=part, kind="issue", quantity=1, by=clerk, case=chargeable_case, reason="维修"
    )
    case = case_services.transition(case=chargeable_case, action="resolve", by=engineer, text="已更换")
    case_services.transition(case=case, action="close", by=manager)
    charge = Charge.objects.get(case=chargeable_case)
    assert charge.total == quote.total + Decimal("800.00")
    assert charge.parts == [{"part": "700-1234", "description": "主控板", "quantity": 1, "unit_price": "800.00"}]

    book = load_workbook(io.BytesIO(exports.charges_workbook(Charge.objects.all())))
    row = [cell.value for cell in book.active[2]]
    assert row[0] == chargeable_case.number and Decimal(str(row[5])) == charge.total
    assert isinstance(row[6], dt.datetime)
    lines = list(csv.reader(io.StringIO(exports.charges_csv(Charge.objects.all()).lstrip("\ufeff"))))
    assert lines[1][5] == str(charge.total)


def test_a_declined_quote_writes_no_charge(chargeable_case, engineer, contact_a, manager):
    quote = services.offer_quote(case=chargeable_case, by=engineer)
    services.answer_quote(quote=quote, accept=False, by=contact_a)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.DECLINED
    case = case_services.transition(case=chargeable_case, action="resolve", by=engineer, text="客户自行处理")
    case_services.transition(case=case, action="close", by=manager)
    assert not Charge.objects.exists()


@pytest.mark.parametrize("cause", ["misuse", "accident", "force_majeure"])
def test_an_excluded_cause_is_chargeable_even_under_a_contract(cause, open_case, customer_a, equipment_a, engineer):
    ContractFactory(customer=customer_a).equipment.add(equipment_a)
    covered = open_case(customer_a, equipment=equipment_a)
    with pytest.raises(NotAllowed):
        services.offer_quote(case=covered, by=engineer)
    excluded = open_case(customer_a, equipment=equipment_a, excluded_cause=cause)
    assert services.offer_quote(case=excluded, by=engineer).entitlement == "chargeable"
