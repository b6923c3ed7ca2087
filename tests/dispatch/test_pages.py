"""The dispatch pages: roster week, planning and swapping, the board, the case panel's actions,
the intake's proposal and late entry, and what a customer sees (only their own vendor numbers)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from aftersales.cases.models import Case, EventKind
from aftersales.dispatch.models import Handover, Shift, VendorCase
from aftersales.dispatch.services import open_vendor_case, plan_shift, request_handover, shift_times
from tests.dispatch.conftest import HOLIDAY, MAKEUP_SATURDAY, MONDAY, at


@pytest.fixture
def case(open_case, customer_a, sh_equipment, team):
    return open_case(customer_a, equipment=sh_equipment)


def test_the_roster_week_shows_holidays_make_up_days_and_shifts_across_midnight(
    client, calendar_2030, team, zhang, duty_manager
):
    starts, ends = shift_times(MAKEUP_SATURDAY, Shift.Kind.NIGHT)
    plan_shift(
        team=team,
        kind="night",
        starts_at=starts,
        ends_at=ends,
        duty_engineer=zhang,
        duty_manager=duty_manager,
        by=duty_manager,
    )
    client.force_login(duty_manager)
    page = client.get(reverse("dispatch:roster"), {"team": team.pk, "week": "2030-10-10"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "调休" in html  # the make-up Saturday is marked
    assert html.count('data-testid="shift"') == 1
    assert "17:30–08:30" in html
    week_of_holiday = client.get(reverse("dispatch:roster"), {"team": team.pk, "week": HOLIDAY.isoformat()})
    assert "国庆节" in week_of_holiday.content.decode()


def test_planning_a_shift_that_ends_before_it_starts_shows_a_field_error(client, team, zhang, duty_manager):
    client.force_login(duty_manager)
    body = {
        "team": team.pk,
        "kind": "day",
        "day": "2030-10-14",
        "starts": "09:00",
        "ends": "09:00",
        "duty_engineer": zhang.pk,
        "duty_manager": duty_manager.pk,
    }
    ok = client.post(reverse("dispatch:shift_new"), body)
    assert ok.status_code == 302  # an end not after the start is the next day: 24 hours
    again = client.post(reverse("dispatch:shift_new"), body)
    assert again.status_code == 400
    assert 'data-field-error="starts"' in again.content.decode()
    missing = client.post(reverse("dispatch:shift_new"), {**body, "duty_manager": zhang.pk})
    assert missing.status_code == 400 and 'data-field-error="duty_manager"' in missing.content.decode()


def test_an_engineer_may_not_plan_or_swap(client, team, zhang, duty_manager):
    starts, ends = shift_times(MONDAY, Shift.Kind.DAY)
    shift = plan_shift(
        team=team,
        kind="day",
        starts_at=starts,
        ends_at=ends,
        duty_engineer=zhang,
        duty_manager=duty_manager,
        by=duty_manager,
    )
    client.force_login(zhang)
    assert client.get(reverse("dispatch:shift_new")).status_code == 403
    assert client.post(reverse("dispatch:shift_swap", args=[shift.pk]), {}).status_code == 403
    assert client.get(reverse("dispatch:roster")).status_code == 200


def test_a_swap_through_the_page_is_recorded(client, team, zhang, li, duty_manager):
    starts, ends = shift_times(MONDAY, Shift.Kind.NIGHT)
    shift = plan_shift(
        team=team,
        kind="night",
        starts_at=starts,
        ends_at=ends,
        duty_engineer=zhang,
        duty_manager=duty_manager,
        by=duty_manager,
    )
    client.force_login(duty_manager)
    refused = client.post(
        reverse("dispatch:shift_swap", args=[shift.pk]), {"duty": "engineer", "to_user": li.pk, "reason": ""}
    )
    assert refused.status_code == 400
    done = client.post(
        reverse("dispatch:shift_swap", args=[shift.pk]), {"duty": "engineer", "to_user": li.pk, "reason": "病假"}
    )
    assert done.status_code == 302
    shift.refresh_from_db()
    assert shift.duty_engineer == li
    assert "病假" in client.get(reverse("dispatch:shift_swap", args=[shift.pk])).content.decode()


def test_the_boards_show_unassigned_cases_with_their_age_and_pending_handovers(
    client, open_case, customer_a, team, duty_manager, zhang
):
    team.auto_assign = False
    team.save()
    with time_machine.travel(at(MONDAY, 10), tick=False):
        case = open_case(customer_a)
    other = Case.objects.get(pk=case.pk)
    from aftersales.dispatch.models import Team

    apps = Team.objects.create(name="应用软件部")
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        request_handover(case=other, by=zhang, to_team=apps, reason="应用问题")
    with time_machine.travel(at(MONDAY, 11, 10), tick=False):
        client.force_login(duty_manager)
        board = client.get(reverse("dispatch:board")).content.decode()
        duty = client.get(reverse("duty_board")).content.decode()
    assert case.number in board and "1\xa0小时，10\xa0分钟" in board
    assert 'data-testid="pending-handovers"' in board and "应用软件部" in board
    assert case.number in duty.split('data-testid="board-unassigned"')[1]


def test_the_case_panel_changes_tier_and_refuses_an_expired_authorisation(client, case, engineer, customer_a):
    client.force_login(engineer)
    page = client.get(reverse("case_detail", args=[case.number])).content.decode()
    assert 'data-testid="dispatch-panel"' in page and 'data-testid="next-step"' in page
    url = reverse("dispatch:case_action", args=[case.number, "tier"])
    assert client.post(url, {"to_tier": "L2", "reason": ""}).status_code == 400
    assert client.post(url, {"to_tier": "L2", "reason": "超出手册"}).status_code == 302
    case.refresh_from_db()
    assert case.tier == "L2"
    from django.utils import timezone

    from aftersales.dispatch.models import RemoteAuthorisation

    RemoteAuthorisation.objects.create(
        customer=customer_a,
        granted_by="王主任",
        channel="phone",
        granted_at=timezone.now() - dt.timedelta(days=2),
        valid_until=timezone.now() - dt.timedelta(days=1),
        recorded_by=engineer,
    )
    refused = client.post(reverse("dispatch:case_action", args=[case.number, "handling"]), {"mode": "A2"})
    assert refused.status_code == 400
    assert "王主任" in refused.content.decode()


def test_a_handover_is_accepted_or_refused_on_its_page(client, case, zhang, duty_manager):
    from aftersales.dispatch.models import Team

    apps = Team.objects.create(name="应用软件部", manager=duty_manager)
    client.force_login(zhang)
    asked = client.post(
        reverse("dispatch:case_action", args=[case.number, "handover"]), {"to_team": apps.pk, "reason": "应用"}
    )
    assert asked.status_code == 302
    handover = Handover.objects.get()
    assert (
        client.post(reverse("dispatch:handover_decide", args=[handover.pk]), {"decision": "accept"}).status_code == 403
    )
    client.force_login(duty_manager)
    empty = client.post(reverse("dispatch:handover_decide", args=[handover.pk]), {"decision": "refuse"})
    assert empty.status_code == 400 and 'data-field-error="note"' in empty.content.decode()
    client.post(reverse("dispatch:handover_decide", args=[handover.pk]), {"decision": "refuse", "note": "硬件问题"})
    handover.refresh_from_db()
    assert handover.status == "refused" and handover.note == "硬件问题"


def test_a_customer_sees_only_their_own_vendor_numbers_and_no_dispatch_page(
    client, case, engineer, contact_a, contact_b, open_case, customer_b
):
    other = open_case(customer_b, title="其他")
    open_vendor_case(case=case, by=engineer, kind="third_party", party="电信", number="DX-1001")
    open_vendor_case(case=other, by=engineer, kind="third_party", party="电信", number="DX-2002")
    client.force_login(contact_a)
    own = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert "DX-1001" in own and "DX-2002" not in own
    assert client.get(reverse("portal:case", args=[other.number])).status_code == 404
    assert client.get(reverse("dispatch:board")).status_code == 302  # sent to the portal
    assert VendorCase.objects.count() == 2


def test_the_intake_offers_the_proposal_and_a_call_taken_after_hours(
    client, agent, customer_a, sh_equipment, team, zhang
):
    page = (
        client.force_login(agent)
        or client.get(reverse("intake"), {"customer": customer_a.pk, "equipment": sh_equipment.pk}).content.decode()
    )
    assert 'data-testid="dispatch-proposal"' in page and "zhang" in page and 'name="opened_at"' in page
    fragment = client.get(
        reverse("dispatch:proposal"), {"customer": customer_a.pk, "equipment": sh_equipment.pk, "severity": "A"}
    )
    assert "zhang" in fragment.content.decode()
    with time_machine.travel(at(MONDAY, 8, 40), tick=False):
        client.force_login(agent)
        posted = client.post(
            reverse("intake"),
            {
                "mode": "case",
                "customer": customer_a.pk,
                "equipment": sh_equipment.pk,
                "kind": "fault",
                "severity": "B",
                "channel": "phone",
                "title": "夜间中继中断",
                "description": "值班电话报修",
                "opened_at": "2030-10-14T02:15",
            },
        )
    assert posted.status_code == 302
    case = Case.objects.get(title="夜间中继中断")
    assert case.opened_at == at(MONDAY, 2, 15)
    assert case.events.filter(kind=EventKind.ENTERED_LATE).exists()


def test_both_teams_see_a_case_on_their_boards_until_the_handover_is_decided(client, case, team, zhang, make_user):
    from aftersales.accounts.roles import Role
    from aftersales.dispatch.models import Team
    from aftersales.dispatch.services import decide_handover

    apps = Team.objects.create(name="应用软件部")
    developer = make_user(Role.SPECIALIST, username="dev")
    apps.members.add(developer)
    case.refresh_from_db()
    assert case.team == team
    handover = request_handover(case=case, by=zhang, to_team=apps, reason="应用问题")
    for person, tag in ((zhang, "转交待接收"), (developer, "转交给本团队，待接收")):
        client.force_login(person)
        teams = client.get(reverse("dispatch:board")).content.decode().split('data-testid="team-cases"')[1:]
        assert any(case.number in part and tag in part for part in teams)
    decide_handover(handover=handover, by=developer, accept=False, note="不是应用问题")
    client.force_login(developer)
    page = client.get(reverse("dispatch:board")).content.decode()
    assert case.number not in "".join(page.split('data-testid="team-cases"')[1:])


def test_a_manager_plans_a_week_out_of_office_hours_on_one_page(client, calendar_2030, team, zhang, li, duty_manager):
    client.force_login(duty_manager)
    url = reverse("dispatch:fill_week")
    assert "调休" in client.get(reverse("dispatch:roster"), {"team": team.pk, "week": "2030-10-07"}).content.decode()
    empty = client.post(url, {"team": team.pk, "week": "2030-10-09", "duty_manager": duty_manager.pk})
    assert empty.status_code == 400 and 'data-field-error="engineers"' in empty.content.decode()
    done = client.post(
        url, {"team": team.pk, "week": "2030-10-09", "engineers": [zhang.pk, li.pk], "duty_manager": duty_manager.pk}
    )
    assert done.status_code == 302 and "week=2030-10-07" in done["Location"]
    assert Shift.objects.filter(team=team).count() == 7
    client.force_login(zhang)
    assert client.post(url, {"team": team.pk, "week": "2030-10-09"}).status_code == 403
