import datetime as dt

import time_machine

from aftersales.cases.models import Case

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _due(case, minutes):
    Case.objects.filter(pk=case.pk).update(next_due_at=NOW + dt.timedelta(minutes=minutes))


def test_board_lists_breached_and_due_soon_cases_apart(client, make_user, open_case, customer_a):
    from aftersales.accounts.roles import Role

    late, soon, later = (open_case(customer_a, title=t) for t in ("已超时案例", "即将到期案例", "明天到期案例"))
    _due(late, -10)
    _due(soon, 20)
    _due(later, 24 * 60)
    client.force_login(make_user(Role.DUTY_MANAGER))
    with time_machine.travel(NOW, tick=False):
        html = client.get("/board/").content.decode()
    # The deadline sections; every unassigned case is listed below them, with its age.
    deadlines, unassigned = html.split('data-testid="board-unassigned"', 1)
    breached, rest = deadlines.split('data-testid="soon-count"', 1)
    assert late.number in breached and soon.number not in breached
    assert soon.number in rest
    assert later.number not in deadlines
    assert all(case.number in unassigned for case in (late, soon, later))
    assert 'http-equiv="refresh"' in html


def test_customer_contact_cannot_open_the_board(client, contact_a):
    client.force_login(contact_a)
    assert client.get("/board/")["Location"] == "/portal/"


def test_board_lists_suspensions_past_their_expected_end(client, make_user, open_case, customer_a, engineer):
    from aftersales.accounts.roles import Role
    from aftersales.cases import services
    from aftersales.sla.models import SuspensionRequest

    duty = make_user(Role.DUTY_MANAGER, username="duty")
    opened = NOW - dt.timedelta(days=3)
    cases = {}
    with time_machine.travel(opened, tick=False):
        for title, hours in (("停电检修已超期", 24), ("等待备件未到期", 24 * 7)):
            case = services.transition(case=open_case(customer_a, title=title), action="accept", by=engineer)
            request = services.request_suspension(
                case=case,
                by=engineer,
                reason=title,
                consent_by="王主任",
                consent_channel=SuspensionRequest.ConsentChannel.PHONE,
                consent_at=opened,
                expected_end_at=opened + dt.timedelta(hours=hours),
            )
            services.decide_suspension(request=request, by=duty, approve=True)
            cases[title] = case
    with time_machine.travel(NOW, tick=False):
        client.force_login(duty)
        html = client.get("/board/").content.decode()
    section = html.split('data-testid="suspensions-past-end"', 1)[1].split("</section>", 1)[0]
    assert cases["停电检修已超期"].number in section
    assert cases["等待备件未到期"].number not in section
