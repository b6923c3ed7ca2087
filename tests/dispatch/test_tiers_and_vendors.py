"""Tiers and vendor cases: who raised a case, when and why; a vendor TAC case only at L4; the
vendor's number found by the case search; third-party requests tracked the same way."""

from __future__ import annotations

import pytest

from aftersales.cases.models import Tier, TierChange
from aftersales.cases.queries import QueueFilter, queue
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.dispatch.models import VendorCase
from aftersales.dispatch.services import add_vendor_update, change_tier, open_vendor_case


@pytest.fixture
def case(open_case, customer_a, sh_equipment):
    return open_case(customer_a, equipment=sh_equipment)


def test_a_vendor_tac_case_needs_the_case_at_l4(case, engineer, avaya):
    with pytest.raises(NotAllowed) as error:
        open_vendor_case(case=case, by=engineer, kind="vendor_tac", vendor=avaya, number="1-88231")
    assert "L4" in str(error.value.message)
    for tier, why in [("L2", "超出手册范围"), ("L3", "已知方案无效"), ("L4", "需厂家研发")]:
        change_tier(case=case, by=engineer, to_tier=tier, reason=why)
    changes = list(TierChange.objects.filter(case=case).values_list("from_tier", "to_tier", "reason", "by"))
    assert changes == [
        ("L1", "L2", "超出手册范围", engineer.pk),
        ("L2", "L3", "已知方案无效", engineer.pk),
        ("L3", "L4", "需厂家研发", engineer.pk),
    ]
    case.refresh_from_db()
    assert case.tier == Tier.L4
    assert case.events.filter(kind="tier").latest("at").text == "需厂家研发"
    vendor_case = open_vendor_case(
        case=case, by=engineer, kind="vendor_tac", vendor=avaya, number="1-88231", contact="Tom, +1 800", severity="S1"
    )
    assert vendor_case.status == "open"
    add_vendor_update(vendor_case=vendor_case, by=engineer, text="厂家要求提供 trace")
    add_vendor_update(vendor_case=vendor_case, by=engineer, text="补丁已下发", close=True)
    vendor_case.refresh_from_db()
    assert vendor_case.status == "closed" and vendor_case.updates.count() == 2
    with pytest.raises(NotAllowed):
        add_vendor_update(vendor_case=vendor_case, by=engineer, text="again")


def test_a_tier_change_needs_a_reason_and_a_new_tier(case, engineer):
    with pytest.raises(DomainError) as no_reason:
        change_tier(case=case, by=engineer, to_tier="L2", reason=" ")
    assert "reason" in no_reason.value.fields
    with pytest.raises(DomainError) as same:
        change_tier(case=case, by=engineer, to_tier="L1", reason="x")
    assert "to_tier" in same.value.fields


def test_a_third_party_request_is_tracked_without_raising_the_tier(case, engineer):
    request = open_vendor_case(case=case, by=engineer, kind="third_party", party="电信机房", number="DX-2026-114")
    assert request.vendor_name == "电信机房"
    with pytest.raises(DomainError) as error:
        open_vendor_case(case=case, by=engineer, kind="third_party", number="X1")
    assert "party" in error.value.fields


def test_the_vendor_number_is_found_by_the_case_search_within_what_the_user_sees(
    case, engineer, contact_a, contact_b, open_case, customer_b
):
    other = open_case(customer_b, title="其他")
    open_vendor_case(case=case, by=engineer, kind="third_party", party="电信", number="SR-77-4410")
    open_vendor_case(case=other, by=engineer, kind="third_party", party="电信", number="SR-77-9999")
    assert list(queue(engineer, QueueFilter(q="sr-77-4410"))) == [case]
    assert list(queue(contact_a, QueueFilter(q="SR-77"))) == [case]
    assert list(queue(contact_b, QueueFilter(q="SR-77-4410"))) == []
    assert VendorCase.objects.count() == 2
