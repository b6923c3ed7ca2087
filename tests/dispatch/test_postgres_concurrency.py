"""Two cases handed out at the same instant are not both given to the same idle engineer when a
second one is equally suitable: each assigner locks the candidates' rows (in id order) before
reading their workload. Real threads released together, each with its own connection."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Channel, Kind, Severity
from aftersales.dispatch.services import apply_proposal
from tests.concurrency import run_together
from tests.dispatch.conftest import MONDAY, at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _open(customer, by, equipment):
    return case_services.open_case(
        customer=customer,
        by=by,
        title="分机无法呼出",
        description="…",
        kind=Kind.FAULT,
        severity=Severity.C,
        channel=Channel.PHONE,
        equipment=equipment,
    )


def test_two_cases_assigned_at_once_go_to_two_idle_engineers(team, zhang, li, agent, customer_a, sh_equipment):
    team.auto_assign = False
    team.save()
    with time_machine.travel(at(MONDAY, 10), tick=False):
        first, second = _open(customer_a, agent, sh_equipment), _open(customer_a, agent, sh_equipment)
        assert Case.objects.filter(owner__isnull=False).count() == 0
        results = run_together([lambda c=case: apply_proposal(case=c, by=agent) for case in (first, second)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    owners = set(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("owner", flat=True))
    assert owners == {zhang.pk, li.pk}


def test_cases_opened_at_once_with_automatic_assignment_are_spread(team, zhang, li, agent, customer_a, sh_equipment):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        results = run_together([lambda: _open(customer_a, agent, sh_equipment) for _ in range(4)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    per_owner = sorted(Case.objects.values_list("owner", flat=True))
    assert per_owner.count(zhang.pk) == 2 and per_owner.count(li.pk) == 2


def test_two_managers_planning_overlapping_shifts_at_once_get_one_shift(team, zhang, li, duty_manager, make_user):
    from aftersales.accounts.roles import Role
    from aftersales.core.errors import DomainError
    from aftersales.dispatch.models import Shift
    from aftersales.dispatch.services import plan_shift, shift_times

    other_manager = make_user(Role.DEPT_MANAGER, username="other-manager")
    starts, ends = shift_times(MONDAY, Shift.Kind.NIGHT)

    def plan(engineer, by):
        return lambda: plan_shift(
            team=team,
            kind="night",
            starts_at=starts,
            ends_at=ends,
            duty_engineer=engineer,
            duty_manager=duty_manager,
            by=by,
        )

    results = run_together([plan(zhang, duty_manager), plan(li, other_manager)])
    assert sum(isinstance(r, Shift) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Shift.objects.filter(team=team).count() == 1


def test_two_people_deciding_a_handover_at_once_decide_it_once(team, zhang, agent, customer_a, sh_equipment, make_user):
    from aftersales.accounts.roles import Role
    from aftersales.core.errors import Conflict
    from aftersales.dispatch.models import Handover, Team
    from aftersales.dispatch.services import decide_handover, request_handover

    apps = Team.objects.create(name="应用软件部")
    first, second = (make_user(Role.DUTY_MANAGER, username=f"decider-{i}") for i in (1, 2))
    case = _open(customer_a, agent, sh_equipment)
    handover = request_handover(case=case, by=zhang, to_team=apps, reason="应用问题")
    results = run_together(
        [
            lambda: decide_handover(handover=handover, by=first, accept=True),
            lambda: decide_handover(handover=handover, by=second, accept=False, note="不是应用问题"),
        ]
    )
    assert sum(isinstance(r, Handover) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    decided = Handover.objects.get()
    case.refresh_from_db()
    assert (case.team == apps) == (decided.status == "accepted")
