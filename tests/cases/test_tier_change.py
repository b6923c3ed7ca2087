"""The one place a case changes tier: every move keeps who (or the system), when and why."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.cases import services
from aftersales.cases.errors import CaseError
from aftersales.cases.models import EventKind, Tier, TierChange
from aftersales.core.errors import NotAllowed

AT = dt.datetime(2026, 6, 8, 4, 0, tzinfo=dt.UTC)


def test_a_person_changes_the_tier_with_a_reason_and_it_is_kept(case_a, engineer):
    change = services.change_tier(case=case_a, by=engineer, tier=Tier.L3, reason="已知方案无效")
    case_a.refresh_from_db()
    assert case_a.tier == Tier.L3
    assert (change.from_tier, change.to_tier, change.by, change.reason) == (Tier.L1, Tier.L3, engineer, "已知方案无效")
    entry = case_a.events.get(kind=EventKind.TIER)
    assert entry.actor_id == engineer.pk and entry.text == "已知方案无效"


def test_the_system_changes_the_tier_once_when_it_expects_the_tier_it_saw(case_a):
    first = services.change_tier(case=case_a, by=None, tier=Tier.L2, reason="规则 X", at=AT, expected_tier=Tier.L1)
    again = services.change_tier(case=case_a, by=None, tier=Tier.L2, reason="规则 X", at=AT, expected_tier=Tier.L1)
    assert first is not None and again is None
    assert list(TierChange.objects.filter(case=case_a).values_list("by", "at", "to_tier")) == [(None, AT, Tier.L2)]


@pytest.mark.parametrize(
    "tier, reason, field", [("L9", "x", "to_tier"), ("L2", "  ", "reason"), ("L1", "x", "to_tier")]
)
def test_a_bad_tier_change_is_refused_by_field_and_writes_nothing(case_a, engineer, tier, reason, field):
    with pytest.raises(CaseError) as error:
        services.change_tier(case=case_a, by=engineer, tier=tier, reason=reason)
    assert field in error.value.fields
    assert not TierChange.objects.filter(case=case_a).exists()


def test_a_customer_cannot_change_the_tier(case_a, contact_a):
    with pytest.raises(NotAllowed):
        services.change_tier(case=case_a, by=contact_a, tier=Tier.L2, reason="x")
    assert not TierChange.objects.exists()


def test_a_sweep_raises_many_cases_at_once_with_the_same_record(case_a, case_b, engineer):
    services.change_tier(case=case_b, by=engineer, tier=Tier.L3, reason="人工升级")
    moves = [
        services.TierMove(case_a.pk, Tier.L1, Tier.L2, "规则 A"),
        services.TierMove(case_a.pk, Tier.L1, Tier.L2, "规则 B"),  # the same case twice: once
        services.TierMove(case_b.pk, Tier.L1, Tier.L2, "规则 A"),  # moved since: left alone
    ]
    [change] = services.change_tiers(moves=moves, at=AT)
    assert (change.case_id, change.by_id, change.at, change.reason) == (case_a.pk, None, AT, "规则 A")
    case_a.refresh_from_db()
    case_b.refresh_from_db()
    assert (case_a.tier, case_b.tier) == (Tier.L2, Tier.L3)
    entry = case_a.events.get(kind=EventKind.TIER)
    assert entry.actor_id is None and entry.text == "规则 A" and entry.at == AT
