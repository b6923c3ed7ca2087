"""The visit's state machine: who may move it, what each move needs, what it records, and the
case clocks departure and arrival meet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.cases.models import Severity, Status
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.field import services
from aftersales.field.models import Visit
from aftersales.field.queries import my_visits_day
from aftersales.field.workflow import VISIT_WORKFLOW, next_moves
from aftersales.notifications.models import Notification
from aftersales.timeline.models import Entry

pytestmark = pytest.mark.django_db

S = Visit.Status


def test_the_table_is_sound():
    assert VISIT_WORKFLOW.problems(known_roles=Role.values) == []


def test_dispatch_records_on_visit_and_case_and_tells_each_engineer(case_a, manager, engineer, second_engineer):
    visit = services.dispatch_visit(
        case=case_a,
        by=manager,
        engineers=[engineer, second_engineer],
        planned_departure_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert visit.status == S.PLANNED
    assert set(visit.engineers.all()) == {engineer, second_engineer}
    assert Entry.objects.for_subject(visit).filter(kind="field.visit.dispatched").count() == 1
    assert case_a.events.filter(kind="field.case.visit").count() == 1
    told = Notification.objects.filter(kind="visit_dispatched", case=case_a)
    assert set(told.values_list("recipient", flat=True)) == {engineer.pk, second_engineer.pk}


def test_dispatch_refuses_sales_and_non_engineers_with_messages(case_a, sales, agent, manager):
    with pytest.raises(NotAllowed, match="Only engineers and managers"):
        services.dispatch_visit(case=case_a, by=sales, engineers=[], planned_departure_at=timezone.now())
    with pytest.raises(DomainError) as refused:
        services.dispatch_visit(case=case_a, by=manager, engineers=[agent], planned_departure_at=timezone.now())
    assert "engineers" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        services.dispatch_visit(case=case_a, by=manager, engineers=[], planned_departure_at=None)
    assert set(refused.value.fields) == {"engineers", "planned_departure_at"}
    assert not Visit.objects.exists()


def test_whole_visit_stamps_each_step(visit, engineer, walk):
    visit = walk(visit, engineer, "depart", "arrive", "confirm_symptom", "complete", "confirm_result", "check_out")
    visit.refresh_from_db()
    assert visit.status == S.CHECKED_OUT
    assert visit.departed_at <= visit.arrived_at <= visit.symptom_confirmed_at <= visit.completed_at
    assert visit.completed_at <= visit.result_confirmed_at <= visit.checked_out_at
    assert visit.symptom_confirmed_by == "王主任"
    assert visit.result_confirmed_by == "王主任"
    assert visit.result_confirmed_kind == Visit.ConfirmedBy.CUSTOMER
    assert visit.work_done.startswith("更换中继板")
    kinds = list(Entry.objects.for_subject(visit).order_by("pk").values_list("kind", flat=True))
    assert kinds[-1] == "field.visit.check_out" and "field.visit.arrive" in kinds


def test_check_out_before_the_result_is_confirmed_is_refused_with_a_clear_message(visit, engineer, walk):
    visit = walk(visit, engineer, "depart", "arrive", "confirm_symptom", "complete")
    with pytest.raises(DomainError, match="only after the customer"):
        services.move_visit(visit=visit, action="check_out", by=engineer)
    visit.refresh_from_db()
    assert visit.status == S.COMPLETED and visit.checked_out_at is None
    assert not Entry.objects.for_subject(visit).filter(kind="field.visit.check_out").exists()
    assert "check_out" not in [move.name for move in next_moves(visit, engineer)]


def test_check_out_on_arrival_is_refused_too(visit, engineer, walk):
    visit = walk(visit, engineer, "arrive")
    with pytest.raises(DomainError, match="only after the customer"):
        services.move_visit(visit=visit, action="check_out", by=engineer)


def test_moves_out_of_order_are_refused_with_the_state(visit, engineer):
    with pytest.raises(NotAllowed, match="not possible while the visit is"):
        services.move_visit(visit=visit, action="complete", by=engineer, text="done")


def test_confirmations_need_a_name_and_work_a_description(visit, engineer, walk):
    visit = walk(visit, engineer, "arrive")
    with pytest.raises(DomainError) as refused:
        services.move_visit(visit=visit, action="confirm_symptom", by=engineer, confirmed_by="  ")
    assert "confirmed_by" in refused.value.fields
    visit = walk(visit, engineer, "confirm_symptom")
    with pytest.raises(DomainError) as refused:
        services.move_visit(visit=visit, action="complete", by=engineer, text="")
    assert "text" in refused.value.fields


def test_an_engineer_not_on_the_visit_may_not_record_it(visit, outsider_engineer, manager):
    with pytest.raises(NotAllowed, match="Only an engineer of this visit"):
        services.move_visit(visit=visit, action="depart", by=outsider_engineer)
    with pytest.raises(NotAllowed):
        services.move_visit(visit=visit, action="depart", by=manager)
    visit.refresh_from_db()
    assert visit.status == S.PLANNED


def test_two_engineers_share_one_visit(case_a, manager, engineer, second_engineer, walk):
    visit = services.dispatch_visit(
        case=case_a, by=manager, engineers=[engineer, second_engineer], planned_departure_at=timezone.now()
    )
    visit = walk(visit, engineer, "depart")
    visit = walk(visit, second_engineer, "arrive", "confirm_symptom")
    visit = walk(visit, engineer, "complete", "confirm_result")
    visit = walk(visit, second_engineer, "check_out")
    assert visit.status == S.CHECKED_OUT
    actors = set(Entry.objects.for_subject(visit).values_list("actor", flat=True))
    assert {engineer.pk, second_engineer.pk} <= actors
    assert list(my_visits_day(engineer)) == list(my_visits_day(second_engineer)) == [visit]


def test_stale_state_from_the_second_phone_is_a_conflict(case_a, manager, engineer, second_engineer):
    visit = services.dispatch_visit(
        case=case_a, by=manager, engineers=[engineer, second_engineer], planned_departure_at=timezone.now()
    )
    services.move_visit(visit=visit, action="depart", by=engineer, expected_status=S.PLANNED)
    with pytest.raises(DomainError, match="changed this meanwhile"):
        services.move_visit(visit=visit, action="arrive", by=second_engineer, expected_status=S.PLANNED)


def test_departure_and_arrival_meet_the_case_clocks(open_case, customer_a, equipment_a, manager, engineer, walk):
    from aftersales.cases import services as case_services

    case = open_case(customer_a, equipment=equipment_a, severity=Severity.B)
    case_services.record_act(case=case, by=manager, act="depart_requested")
    visit = services.dispatch_visit(case=case, by=manager, engineers=[engineer], planned_departure_at=timezone.now())
    assert case.clocks.get(kind="depart").met_at is None
    walk(visit, engineer, "depart")
    visit.refresh_from_db()
    assert _close(case.clocks.get(kind="depart").met_at, visit.departed_at)
    assert case.clocks.get(kind="on_site").met_at is None
    walk(visit, engineer, "arrive")
    visit.refresh_from_db()
    assert _close(case.clocks.get(kind="on_site").met_at, visit.arrived_at)
    assert case.events.filter(kind="clock").order_by("pk").last().data["act"] == "on_site"


def _close(met_at, stamped_at) -> bool:
    # The case records the act in the same transaction, a moment after the visit's stamp.
    return met_at is not None and abs(met_at - stamped_at) < dt.timedelta(seconds=2)


def test_arrival_keeps_the_position_when_given_and_never_needs_it(visit, engineer):
    position = services.parse_position("31.230416", "121.473701", "12.6")
    services.move_visit(visit=visit, action="arrive", by=engineer, position=position)
    visit.refresh_from_db()
    assert (visit.arrival_latitude, visit.arrival_longitude, visit.arrival_accuracy_m) == (
        Decimal("31.230416"),
        Decimal("121.473701"),
        13,
    )
    assert services.parse_position("", "") is None
    assert services.parse_position("91", "0") is None
    assert services.parse_position("abc", "1") is None
    assert services.parse_position("1e400", "1") is None


def test_noc_confirms_at_night_only(visit, engineer, walk):
    visit = walk(visit, engineer, "arrive", "confirm_symptom", "complete")
    with time_machine.travel(dt.datetime(2026, 12, 2, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        with pytest.raises(DomainError) as refused:
            services.move_visit(
                visit=visit, action="confirm_result", by=engineer, confirmed_by="NOC 值班员", confirmed_kind="noc"
            )
        assert "confirmed_kind" in refused.value.fields
    with time_machine.travel(dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        visit = services.move_visit(
            visit=visit, action="confirm_result", by=engineer, confirmed_by="NOC 值班员", confirmed_kind="noc"
        )
        visit = services.move_visit(visit=visit, action="check_out", by=engineer)
    assert visit.result_confirmed_kind == Visit.ConfirmedBy.NOC
    assert visit.status == S.CHECKED_OUT


def test_managers_cancel_a_planned_visit_engineers_do_not(visit, engineer, manager):
    with pytest.raises(NotAllowed):
        services.move_visit(visit=visit, action="cancel", by=engineer)
    visit = services.move_visit(visit=visit, action="cancel", by=manager, text="客户自行恢复")
    assert visit.status == S.CANCELLED
    assert visit.case.events.filter(kind="field.case.visit").count() == 2


def test_no_visit_to_a_closed_case(case_a, manager, engineer):
    from aftersales.cases import services as case_services

    case_services.transition(case=case_a, action="cancel", by=manager, text="重复报障")
    case_a.refresh_from_db()
    assert case_a.status == Status.CANCELLED
    with pytest.raises(DomainError, match="cannot be sent"):
        services.dispatch_visit(case=case_a, by=manager, engineers=[engineer], planned_departure_at=timezone.now())


def test_my_visits_today_lists_today_and_those_under_way(case_a, manager, engineer, walk):
    today = services.dispatch_visit(case=case_a, by=manager, engineers=[engineer], planned_departure_at=timezone.now())
    services.dispatch_visit(
        case=case_a, by=manager, engineers=[engineer], planned_departure_at=timezone.now() + dt.timedelta(days=3)
    )
    yesterday = services.dispatch_visit(
        case=case_a, by=manager, engineers=[engineer], planned_departure_at=timezone.now() - dt.timedelta(days=1)
    )
    assert list(my_visits_day(engineer)) == [today]
    walk(yesterday, engineer, "arrive")
    assert set(my_visits_day(engineer)) == {today, yesterday}
