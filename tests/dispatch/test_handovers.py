"""Handover to another team (R4.4): the receiving team accepts or refuses with a reason, both
see it meanwhile, the manager sees every pending one, one decision only."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.dispatch import notices
from aftersales.dispatch.models import Handover, Team
from aftersales.dispatch.services import decide_handover, request_handover, withdraw_handover
from aftersales.dispatch.services.handovers import pending_handovers, team_cases
from aftersales.notifications.models import Notification


@pytest.fixture
def apps_team(make_user):
    lead = make_user(Role.DEPT_MANAGER, username="apps-lead")
    team = Team.objects.create(name="应用软件部", manager=lead)
    member = make_user(Role.SPECIALIST, username="apps-dev")
    team.members.add(member)
    return team


@pytest.fixture
def case(open_case, customer_a, sh_equipment, team):
    made = open_case(customer_a, equipment=sh_equipment)
    made.refresh_from_db()
    return made


def test_a_refused_handover_returns_with_the_reason_and_both_teams_saw_it_meanwhile(case, team, zhang, apps_team):
    assert case.team == team
    handover = request_handover(case=case, by=zhang, to_team=apps_team, reason="话务台软件问题")
    assert case in team_cases(team) and case in team_cases(apps_team)
    assert list(pending_handovers()) == [handover]
    assert Notification.objects.get(kind=notices.HANDOVER_REQUESTED).recipient == apps_team.manager
    member = apps_team.members.get()
    with pytest.raises(DomainError) as no_reason:
        decide_handover(handover=handover, by=member, accept=False)
    assert "note" in no_reason.value.fields
    decide_handover(handover=handover, by=member, accept=False, note="属于硬件故障")
    case.refresh_from_db()
    assert case.team == team
    assert case not in team_cases(apps_team)
    told = Notification.objects.get(kind=notices.HANDOVER_DECIDED)
    assert told.recipient == zhang
    assert case.events.filter(kind="dispatch.handover.decided").get().text.endswith("属于硬件故障")
    assert list(pending_handovers()) == []


def test_an_accepted_handover_moves_the_case_and_is_decided_once(case, zhang, apps_team):
    handover = request_handover(case=case, by=zhang, to_team=apps_team, reason="应用问题")
    member = apps_team.members.get()
    decide_handover(handover=handover, by=apps_team.manager, accept=True, owner=member)
    case.refresh_from_db()
    assert (case.team, case.owner) == (apps_team, member)
    with pytest.raises(Conflict):
        decide_handover(handover=handover, by=apps_team.manager, accept=False, note="x")


def test_one_pending_handover_per_case_and_only_the_receiving_team_decides(case, zhang, li, apps_team):
    handover = request_handover(case=case, by=zhang, to_team=apps_team, reason="应用问题")
    with pytest.raises(Conflict):
        request_handover(case=case, by=li, to_team=apps_team, reason="again")
    with pytest.raises(NotAllowed):
        decide_handover(handover=handover, by=li, accept=True)  # not in the receiving team
    withdraw_handover(handover=handover, by=zhang)
    assert Handover.objects.get().status == "withdrawn"
    request_handover(case=case, by=li, to_team=apps_team, reason="again")


def test_a_manager_decides_any_handover(case, zhang, apps_team, duty_manager):
    handover = request_handover(case=case, by=zhang, to_team=apps_team, reason="应用问题")
    decide_handover(handover=handover, by=duty_manager, accept=True)
    case.refresh_from_db()
    assert case.team == apps_team and case.owner is None
