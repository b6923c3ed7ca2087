"""The case clocks are the mechanism's first user: deadlines of the case, kinds registered by sla."""

from __future__ import annotations

import pytest

from aftersales.deadlines import queries, registry
from aftersales.sla import services as sla
from aftersales.sla.models import ESCALATION_ALARM, Clock, ClockKind, Escalation

pytestmark = pytest.mark.django_db


def test_every_clock_kind_and_the_escalation_alarm_have_their_handlers():
    assert {kind: registry.get(kind).on_breach for kind in ClockKind.values} == dict.fromkeys(
        ClockKind.values, sla.on_breach
    )
    assert registry.get(ESCALATION_ALARM).on_fire is sla.on_fire


def test_a_case_clocks_are_its_deadlines(case_a):
    clocks = set(Clock.objects.filter(case=case_a))

    assert clocks and {d.pk for d in queries.for_subject(case_a, kinds=ClockKind.values)} == {c.pk for c in clocks}
    # Other owners' deadlines of the case (dispatch's assignment due time) are not clocks.
    others = queries.for_subject(case_a).exclude(kind__in=ClockKind.values)
    assert not {d.pk for d in others} & {c.pk for c in clocks}
    assert set(case_a.clocks) == clocks
    assert {e.pk for e in Escalation.objects.filter(case=case_a)} == {e.pk for e in case_a.escalations}
    assert queries.next_due(case_a.clocks) == case_a.next_due_at
