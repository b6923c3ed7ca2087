"""Two raises of the same case at the same instant (two sweeps, or a sweep and a person who saw
the same tier) raise it once: the case row is locked before its tier is read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.cases import services
from aftersales.cases.models import Case, Tier, TierChange
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_raises_seen_from_the_same_tier_raise_the_case_once(case_a):
    def raise_once():
        return services.change_tier(case=case_a, by=None, tier=Tier.L2, reason="规则", expected_tier=Tier.L1)

    results = run_together([raise_once] * 4)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r is not None for r in results) == 1
    assert Case.objects.get(pk=case_a.pk).tier == Tier.L2
    assert TierChange.objects.filter(case=case_a).count() == 1


def test_two_sweeps_raising_the_same_case_at_once_raise_it_once(case_a):
    def sweep_raise():
        return services.change_tiers(moves=[services.TierMove(case_a.pk, Tier.L1, Tier.L2, "规则")], at=timezone.now())

    results = run_together([sweep_raise] * 4)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(len(r) for r in results) == 1
    assert Case.objects.get(pk=case_a.pk).tier == Tier.L2
    assert TierChange.objects.filter(case=case_a).count() == 1
