"""The demo shows the dispatch side: a roster for this week and the next, rules, skills, a vendor
case, a third-party request, an authorisation and a pending handover."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from aftersales.dispatch.models import (
    AssignmentRule,
    Engineer,
    Handover,
    RemoteAuthorisation,
    Shift,
    ShiftSwap,
    VendorCase,
)
from aftersales.dispatch.services import after_hours, on_duty


@pytest.mark.django_db
def test_the_demo_has_a_roster_rules_and_examples():
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", stdout=io.StringIO())
    assert Shift.objects.count() >= 3 * 14
    assert AssignmentRule.objects.count() == 5 and Engineer.objects.count() == 7
    assert ShiftSwap.objects.count() == 1
    assert VendorCase.objects.filter(kind="vendor_tac", case__tier="L4").exists()
    assert VendorCase.objects.filter(kind="third_party").exists()
    assert RemoteAuthorisation.objects.exists()
    assert Handover.objects.filter(status="pending").exists()
    # Out of office hours someone is always on duty in each L1 team.
    from django.utils import timezone

    now = timezone.now()
    if after_hours(now):
        assert on_duty(now).count() == 3
