"""Reference data kept per process (aftersales.core.refcache): read once, forgotten when a row
of a watched model changes — in this process (signals) or in another (the shared generation)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.roles import Role
from aftersales.cases.models import Severity
from aftersales.core import refcache
from aftersales.sla.models import ClockKind, EscalationRule, ServiceTarget
from aftersales.sla.services import _rules, _targets

# Committed data: values read inside a test's own transaction would never be kept.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _sign_off_minutes() -> int:
    return next(t.minutes for t in _targets(Severity.B) if t.clock == ClockKind.SIGN_OFF)


def test_service_targets_are_read_once_then_kept():
    _sign_off_minutes()
    with CaptureQueriesContext(connection) as queries:
        _sign_off_minutes()
    assert len(queries) == 0


def test_a_target_saved_is_seen_by_the_next_case_at_once():
    before = _sign_off_minutes()
    target = ServiceTarget.objects.get(severity=Severity.B, clock=ClockKind.SIGN_OFF)
    target.minutes = before + 7
    target.save()
    assert _sign_off_minutes() == before + 7


def test_a_rule_deleted_is_no_longer_scheduled():
    rule = next(iter(_rules(Severity.A, EscalationRule.Trigger.values)))
    EscalationRule.objects.filter(pk=rule.pk).delete()  # a queryset delete sends post_delete per row
    assert rule.pk not in {r.pk for r in _rules(Severity.A, EscalationRule.Trigger.values)}


def test_a_change_made_by_another_process_is_seen():
    before = _sign_off_minutes()
    # Another process edits the row (no signal here) and bumps the shared generation.
    ServiceTarget.objects.filter(severity=Severity.B, clock=ClockKind.SIGN_OFF).update(minutes=before + 11)
    assert _sign_off_minutes() == before  # this process does not know yet
    cache.incr(refcache.GENERATION_KEY)
    assert _sign_off_minutes() == before + 11


def test_a_value_read_during_an_uncommitted_change_is_not_kept():
    before = _sign_off_minutes()
    with pytest.raises(RuntimeError), transaction.atomic():
        target = ServiceTarget.objects.get(severity=Severity.B, clock=ClockKind.SIGN_OFF)
        target.minutes = before + 5
        target.save()
        assert _sign_off_minutes() == before + 5  # the change is seen inside its transaction
        raise RuntimeError("rolled back")
    assert _sign_off_minutes() == before  # and forgotten with it


def test_a_role_given_is_seen_at_once(make_user):
    from django.contrib.auth.models import Group

    from aftersales.accounts.models import User

    user = make_user(Role.SALES, username="seller")
    assert User.objects.get(pk=user.pk).roles == frozenset({Role.SALES})
    user.groups.add(Group.objects.get(name=Role.ENGINEER))
    assert User.objects.get(pk=user.pk).roles == frozenset({Role.SALES, Role.ENGINEER})
    user.groups.remove(Group.objects.get(name=Role.SALES))
    assert User.objects.get(pk=user.pk).roles == frozenset({Role.ENGINEER})
