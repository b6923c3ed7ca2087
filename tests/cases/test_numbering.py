"""Case numbers: CSYYYYMM-NNNNNN, month in Asia/Shanghai, a sequence per month."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases.models import Case, CaseNumberCounter
from aftersales.cases.numbering import NUMBER_RE, format_case_number, looks_like_case_number
from aftersales.core.errors import DomainError

UTC = dt.UTC


def test_number_is_prefix_period_and_six_digit_sequence():
    assert format_case_number("202611", 123) == "CS202611-000123"
    assert format_case_number("202612", 1) == "CS202612-000001"


def test_sequence_past_a_million_still_formats_and_parses():
    number = format_case_number("202611", 1_000_000)

    assert number == "CS202611-1000000"
    assert looks_like_case_number(number)


@pytest.mark.parametrize(("period", "sequence"), [("2026-11", 1), ("20261", 1), ("202611", 0), ("202611", -5)])
def test_bad_number_parts_are_refused(period, sequence):
    with pytest.raises(ValueError):
        format_case_number(period, sequence)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CS202611-000123", True),
        (" cs202611-000123 ", True),
        ("CS202611-123", False),
        ("CS2026-000123", False),
        ("202611-000123", False),
        ("交换机", False),
    ],
)
def test_looks_like_case_number(text, expected):
    assert looks_like_case_number(text) is expected


def test_numbers_sort_by_time_as_text():
    numbers = [format_case_number("202612", 2), format_case_number("202611", 10), format_case_number("202612", 1)]

    assert sorted(numbers) == ["CS202611-000010", "CS202612-000001", "CS202612-000002"]


def test_number_uses_the_shanghai_month_just_after_midnight(open_case, customer_a):
    # 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
    with time_machine.travel(dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC), tick=False):
        case = open_case(customer_a)

    assert case.number == "CS202612-000001"
    assert NUMBER_RE.match(case.number)


def test_number_uses_the_shanghai_month_just_before_midnight(open_case, customer_a):
    # 2026-11-30 15:59 UTC is 2026-11-30 23:59 in Shanghai.
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 59, tzinfo=UTC), tick=False):
        case = open_case(customer_a)

    assert case.number == "CS202611-000001"


def test_numbers_are_sequential_within_a_month_and_restart_the_next(open_case, customer_a, customer_b):
    numbers = []
    with time_machine.travel(dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC), tick=False):
        numbers += [open_case(customer_a).number, open_case(customer_b).number, open_case(customer_a).number]
    with time_machine.travel(dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC), tick=False):
        numbers += [open_case(customer_b).number, open_case(customer_a).number]

    assert numbers == [
        "CS202611-000001",
        "CS202611-000002",
        "CS202611-000003",
        "CS202612-000001",
        "CS202612-000002",
    ]
    assert dict(CaseNumberCounter.objects.values_list("period", "last")) == {"202611": 3, "202612": 2}


def test_case_backdated_to_an_earlier_month_takes_that_months_sequence(open_case, customer_a):
    # A call taken by phone after hours is recorded afterwards (R4.7) with its real time.
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC), tick=False):
        december = open_case(customer_a)
        november = open_case(customer_a, opened_at=dt.datetime(2026, 11, 30, 15, 0, tzinfo=UTC))

    assert december.number == "CS202612-000001"
    assert november.number == "CS202611-000001"


def test_refused_case_does_not_use_up_a_number(open_case, customer_a):
    with time_machine.travel(dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC), tick=False):
        with pytest.raises(DomainError):
            open_case(customer_a, title="   ")
        case = open_case(customer_a)

    assert case.number == "CS202611-000001"
    assert Case.objects.count() == 1


def test_opening_time_is_recorded_as_the_response_time(open_case, customer_a):
    moment = dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        case = open_case(customer_a)

    case.refresh_from_db()
    assert case.opened_at == moment
    assert case.events.get().at == moment
