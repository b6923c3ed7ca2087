"""Assignment: rules are data, the proposal says why, workload and skills decide, the desk may
override, and an engineer off duty never wins over a suitable one on duty."""

from __future__ import annotations

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.cases import services as case_services
from aftersales.cases.models import Channel, Kind, Severity
from aftersales.dispatch.models import AssignmentRule, Engineer, Proposal, Team
from aftersales.dispatch.routing import Candidate, choose
from aftersales.dispatch.services import propose
from aftersales.dispatch.services.assignment import describe, unassigned_cases
from tests.dispatch.conftest import MONDAY, at
from tests.factories import EquipmentFactory, ProductModelFactory, SiteFactory, VendorFactory

OFFICE_HOURS = at(MONDAY, 10)


def _open(customer, by, equipment, severity=Severity.C, **kwargs):
    return case_services.open_case(
        customer=customer,
        by=by,
        title="分机无法呼出",
        description="…",
        kind=Kind.FAULT,
        severity=severity,
        channel=Channel.PHONE,
        equipment=equipment,
        **kwargs,
    )


@time_machine.travel(OFFICE_HOURS, tick=False)
def test_the_least_loaded_engineer_gets_the_case_weighted_by_severity(team, zhang, li, agent, customer_a, sh_equipment):
    team.auto_assign = False
    team.save()
    one_a = _open(customer_a, agent, sh_equipment, severity=Severity.A)
    case_services.assign(case=one_a, by=agent, owner=zhang, team=team)  # zhang: one A = 4
    for _ in range(3):
        d = _open(customer_a, agent, sh_equipment, severity=Severity.D)
        case_services.assign(case=d, by=agent, owner=li, team=team)  # li: three D = 3
    result = propose(equipment=sh_equipment, severity=Severity.C)
    assert result.owner == li
    from django.utils import translation

    with translation.override("zh-hans"):
        assert describe(result.reasons) == "上海 · AVAYA · 当前 3 个未结案例"


@time_machine.travel(OFFICE_HOURS, tick=False)
def test_the_proposal_says_why_in_the_readers_language(team, zhang, sh_equipment):
    from django.utils import translation

    result = propose(equipment=sh_equipment, severity=Severity.B)
    with translation.override("zh-hans"):
        assert describe(result.reasons).startswith("上海 · AVAYA · 当前 0 个未结案例")
    with translation.override("en"):
        assert "0 open cases now" in describe(result.reasons)


@time_machine.travel(OFFICE_HOURS, tick=False)
def test_a_skilled_engineer_comes_before_an_idle_unskilled_one(
    team, make_engineer, avaya, agent, customer_a, sh_equipment
):
    cisco = VendorFactory(name="Cisco")
    unskilled = make_engineer("wang", vendors=[cisco])
    skilled = make_engineer("zhao", vendors=[avaya])
    busy = _open(customer_a, agent, sh_equipment)
    case_services.assign(case=busy, by=agent, owner=skilled, team=team)
    assert propose(equipment=sh_equipment).owner == skilled
    assert unskilled is not None


@time_machine.travel(OFFICE_HOURS, tick=False)
def test_rules_are_data_the_first_matching_rule_names_the_team(db, team, make_user, office, customer_a, agent):
    from aftersales.accounts.roles import Role

    cisco = VendorFactory(name="Cisco")
    network = Team.objects.create(name="网络组", region="上海")
    expert = make_user(Role.ENGINEER, username="net")
    network.members.add(expert)
    Engineer.objects.create(user=expert, region="上海", categories="router, switch")
    AssignmentRule.objects.create(name="思科路由", order=10, vendor=cisco, category="router", team=network)
    router = EquipmentFactory(
        product_model=ProductModelFactory(vendor=cisco, name="ISR 4451", category="router"),
        site=SiteFactory(customer=customer_a, region="上海", service_office=office),
    )
    result = propose(equipment=router)
    assert (result.team, result.owner, result.rule.name) == (network, expert, "思科路由")
    case = _open(customer_a, agent, router)
    assert case.team == network and case.owner is None  # the network team does not assign automatically
    assert case in unassigned_cases()
    assert Proposal.objects.get(case=case).owner == expert


@time_machine.travel(OFFICE_HOURS, tick=False)
def test_an_automatic_team_gives_the_case_at_once_and_the_desk_may_override(
    team, zhang, li, agent, customer_a, sh_equipment
):
    first = _open(customer_a, agent, sh_equipment)
    assert first.owner in {zhang, li} and first.team == team
    chosen = _open(customer_a, agent, sh_equipment, owner=zhang)
    assert chosen.owner == zhang
    proposal = Proposal.objects.get(case=chosen)
    assert not proposal.applied


@time_machine.travel(OFFICE_HOURS, tick=False)
def test_an_engineer_on_leave_is_not_proposed(team, zhang, li, sh_equipment):
    Engineer.objects.filter(user=zhang).update(available=False)
    for _ in range(3):
        assert propose(equipment=sh_equipment).owner == li


def test_a_portal_case_is_assigned_by_the_system(team, zhang, contact_a, customer_a, sh_equipment):
    with time_machine.travel(OFFICE_HOURS, tick=False):
        case = case_services.open_case(
            customer=customer_a,
            by=contact_a,
            title="话机无声",
            description="…",
            kind=Kind.FAULT,
            severity=Severity.C,
            channel=Channel.WEB,
            equipment=sh_equipment,
            contact=contact_a.contact,
        )
    assert case.owner == zhang
    entry = case.events.get(kind="assigned")
    assert entry.actor is None


candidates = st.builds(
    Candidate,
    user_id=st.integers(1, 50),
    on_duty=st.booleans(),
    skilled=st.booleans(),
    nearby=st.booleans(),
    load=st.integers(0, 100),
)


@given(st.lists(candidates, max_size=12))
def test_never_an_engineer_off_duty_when_someone_suitable_is_on_duty(pool):
    chosen = choose(pool)
    if not pool:
        assert chosen is None
        return
    assert chosen in pool
    if any(c.on_duty for c in pool):
        assert chosen.on_duty
    peers = [c for c in pool if (c.on_duty, c.skilled, c.nearby) == (chosen.on_duty, chosen.skilled, chosen.nearby)]
    assert chosen.load == min(c.load for c in peers)


@pytest.mark.parametrize("hour", [3, 22])
def test_after_hours_the_duty_engineer_wins_over_idle_colleagues_off_duty(
    hour, team, zhang, li, make_engineer, duty_manager, sh_equipment
):
    from aftersales.dispatch.models import Shift
    from aftersales.dispatch.services import plan_shift, shift_times

    busy_on_duty = make_engineer("duty-eng")
    starts, ends = shift_times(MONDAY, Shift.Kind.NIGHT)
    plan_shift(
        team=team,
        kind="night",
        starts_at=starts,
        ends_at=ends,
        duty_engineer=busy_on_duty,
        duty_manager=duty_manager,
        by=duty_manager,
    )
    import datetime as dt

    moment = at(MONDAY, hour) if hour >= 17 else at(MONDAY + dt.timedelta(days=1), hour)
    result = propose(equipment=sh_equipment, at=moment)
    assert result.owner == busy_on_duty and result.on_duty and result.after_hours


@given(
    people=st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1, max_size=4),
    on_shift=st.lists(st.integers(0, 3), max_size=2),
    hour=st.sampled_from([3, 10, 15, 22]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_proposal_never_names_someone_off_duty_when_someone_suitable_is_on_duty(
    people, on_shift, hour, team, duty_manager, customer_a, agent, sh_equipment
):
    """Engineers available or on leave, with some open cases each, some of them on the night's
    shift; at any hour of a working Monday the proposal is on duty whenever anyone is."""
    import datetime as dt

    from django.db import transaction

    from aftersales.accounts.roles import Role
    from aftersales.dispatch.models import Shift
    from aftersales.dispatch.services import plan_shift, shift_times
    from tests.factories import UserFactory

    with transaction.atomic():
        users = []
        for index, (available, load) in enumerate(people):
            user = UserFactory(username=f"p{index}", roles=[Role.ENGINEER])
            team.members.add(user)
            Engineer.objects.create(user=user, region="上海", available=available)
            for _ in range(load):
                busy = _open(customer_a, agent, sh_equipment)
                case_services.assign(case=busy, by=agent, owner=user, team=team)
            users.append(user)
        on_duty_people = {users[i % len(users)] for i in on_shift}
        for day_offset, person in enumerate(sorted(on_duty_people, key=lambda u: u.pk)):
            starts, ends = shift_times(MONDAY + dt.timedelta(days=day_offset), Shift.Kind.NIGHT)
            plan_shift(
                team=team,
                kind="night",
                starts_at=starts,
                ends_at=ends,
                duty_engineer=person,
                duty_manager=duty_manager,
                by=duty_manager,
            )
        moment = at(MONDAY, hour) if hour >= 8 else at(MONDAY + dt.timedelta(days=1), hour)
        result = propose(equipment=sh_equipment, at=moment)
        office = 8 <= hour < 17
        shift_people = {s.duty_engineer for s in Shift.objects.filter(starts_at__lte=moment, ends_at__gt=moment)}
        someone_on_duty = bool(shift_people) or (office and any(available for available, _ in people))
        if someone_on_duty:
            assert result.on_duty and result.owner is not None
            assert result.owner in shift_people or office
        transaction.set_rollback(True)
