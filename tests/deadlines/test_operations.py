"""The deadlines mechanism on a subject that is not a case: each operation's guarantee."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import ProtectedError

from aftersales.cases.models import Case
from aftersales.deadlines import queries
from aftersales.deadlines import services as deadlines
from aftersales.deadlines.display import view
from aftersales.deadlines.models import Alarm, Deadline
from aftersales.deadlines.services import Retarget, Scheduled, Target
from tests.deadlines.conftest import ALARM, KIND, local

pytestmark = pytest.mark.django_db

# Friday 2026-11-20 17:00: on 5×8 the next open time is Monday 08:30.
FRIDAY_5PM = local(2026, 11, 20, 17, 0)


def start_one(subject, calendar, minutes=60, at=FRIDAY_5PM, kind=KIND) -> Deadline:
    (deadline,) = deadlines.start(subject, [Target(kind, minutes, calendar)], at=at, model=Deadline)
    return deadline


def of(subject):
    return queries.for_subject(subject)


def test_start_stores_the_due_time_in_business_time(subject, calendars):
    deadline = start_one(subject, calendars["5x8"])

    # 30 minutes on Friday, 30 on Monday from 08:30.
    assert Deadline.objects.get(pk=deadline.pk).due_at == local(2026, 11, 23, 9, 0)
    assert list(queries.due_for(subject)) == [deadline]


def test_meeting_on_time_records_no_breach(subject, calendars, handled):
    deadline = start_one(subject, calendars["7x24"])

    deadlines.meet(of(subject), at=FRIDAY_5PM + dt.timedelta(minutes=59))

    deadline.refresh_from_db()
    assert deadline.met_at is not None and deadline.breached_at is None
    assert handled.breaches == []
    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(days=1)) == {"breaches": 0, "alarms": 0}


def test_meeting_late_records_the_breach_once(subject, calendars, handled):
    deadline = start_one(subject, calendars["7x24"])
    late = FRIDAY_5PM + dt.timedelta(minutes=75)

    deadlines.meet(of(subject), at=late)
    deadlines.meet(of(subject), at=late + dt.timedelta(minutes=5))  # already met: nothing
    deadlines.sweep(now=late + dt.timedelta(hours=1))

    deadline.refresh_from_db()
    assert deadline.breached_at == FRIDAY_5PM + dt.timedelta(minutes=60)
    assert deadline.met_at == late
    assert [b.pk for b in handled.breaches] == [deadline.pk]


def test_the_sweep_breaches_once_and_hands_the_batch_to_the_kind(subject, calendars, handled):
    first = start_one(subject, calendars["7x24"], minutes=10)
    second = start_one(subject, calendars["7x24"], minutes=20)
    start_one(subject, calendars["7x24"], minutes=120)

    now = FRIDAY_5PM + dt.timedelta(minutes=30)
    assert deadlines.sweep(now=now) == {"breaches": 2, "alarms": 0}
    assert deadlines.sweep(now=now) == {"breaches": 0, "alarms": 0}

    assert sorted(b.pk for b in handled.breaches) == [first.pk, second.pk]
    assert {(b.subject_id, b.kind) for b in handled.breaches} == {(subject.pk, KIND)}
    assert set(of(subject).filter(breached_at__isnull=False)) == {first, second}


def test_a_kind_nobody_registered_is_breached_once_all_the_same(subject, calendars):
    deadline = start_one(subject, calendars["7x24"], minutes=10, kind="test.unregistered")

    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(hours=1))["breaches"] == 1

    deadline.refresh_from_db()
    assert deadline.breached_at == deadline.due_at


def test_a_failing_handler_rolls_the_breach_back_for_the_next_sweep(subject, calendars, handled, monkeypatch):
    deadline = start_one(subject, calendars["7x24"], minutes=10)

    def broken(breaches, now):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(deadlines.registry, "_kinds", {KIND: deadlines.registry.Kind(KIND, on_breach=broken)})
    with pytest.raises(RuntimeError):
        deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(hours=1))

    deadline.refresh_from_db()
    assert deadline.breached_at is None


def test_stopped_deadlines_are_never_breached_and_their_alarms_never_fire(subject, calendars, handled):
    deadline = start_one(subject, calendars["7x24"], minutes=10)
    deadlines.schedule(subject, [Scheduled(ALARM, "t:1", deadline.due_at, deadline=deadline)])

    deadlines.stop(of(subject), at=FRIDAY_5PM + dt.timedelta(minutes=5))

    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(hours=1)) == {"breaches": 0, "alarms": 0}
    deadline.refresh_from_db()
    assert deadline.stopped_at is not None and deadline.breached_at is None
    assert Alarm.objects.get(key="t:1").cancelled_at is not None


def test_paused_business_time_is_added_to_the_due_time(subject, calendars, handled):
    deadline = start_one(subject, calendars["5x8"], minutes=120, at=local(2026, 11, 23, 9, 0))  # due 11:00
    deadlines.pause(of(subject), at=local(2026, 11, 23, 10, 0))

    # Paused past the old due time: the sweep leaves it alone.
    assert deadlines.sweep(now=local(2026, 11, 23, 15, 0))["breaches"] == 0
    (resumed,) = deadlines.resume(of(subject), at=local(2026, 11, 23, 15, 0))

    # 60 business minutes were left: 15:00 + 60 = 16:00; paused 10:00–15:00 is 3½ business hours.
    assert resumed.due_at == local(2026, 11, 23, 16, 0)
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 11, 23, 16, 0)
    assert deadline.paused_minutes == 210
    assert deadline.paused_at is None


def test_a_deadline_overdue_when_paused_keeps_its_due_time(subject, calendars):
    deadline = start_one(subject, calendars["7x24"], minutes=10)
    deadlines.pause(of(subject), at=FRIDAY_5PM + dt.timedelta(minutes=20))
    deadlines.resume(of(subject), at=FRIDAY_5PM + dt.timedelta(hours=2))

    deadline.refresh_from_db()
    assert deadline.due_at == FRIDAY_5PM + dt.timedelta(minutes=10)


def test_retargeting_counts_from_the_start_and_breaches_once(subject, calendars, handled):
    deadline = start_one(subject, calendars["7x24"], minutes=240)
    now = FRIDAY_5PM + dt.timedelta(minutes=90)

    ((moved, old_due),) = deadlines.retarget([Retarget(deadline, 60, calendars["7x24"])], at=now)
    assert old_due == FRIDAY_5PM + dt.timedelta(hours=4)
    assert moved.due_at == moved.breached_at == FRIDAY_5PM + dt.timedelta(minutes=60)
    deadlines.retarget([Retarget(deadline, 30, calendars["7x24"])], at=now)  # still breached: not again
    assert len(handled.breaches) == 1

    deadlines.retarget([Retarget(deadline, 480, calendars["7x24"])], at=now)
    deadline.refresh_from_db()
    assert deadline.breached_at is None and deadline.due_at == FRIDAY_5PM + dt.timedelta(hours=8)


def test_an_alarm_fires_once_at_its_time_with_its_reference(subject, calendars, handled):
    deadline = start_one(subject, calendars["7x24"], minutes=60)
    deadlines.schedule(subject, [Scheduled(ALARM, "remind:1", FRIDAY_5PM + dt.timedelta(minutes=30), deadline, 7)])

    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(minutes=29))["alarms"] == 0
    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(minutes=31))["alarms"] == 1
    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(minutes=32))["alarms"] == 0

    (firing,) = handled.firings
    assert (firing.kind, firing.subject_id, firing.ref, firing.deadline_id, firing.deadline_kind) == (
        ALARM,
        subject.pk,
        7,
        deadline.pk,
        KIND,
    )


def test_scheduling_a_key_again_moves_it_and_a_fired_one_stays_fired(subject, handled):
    deadlines.schedule(subject, [Scheduled(ALARM, "k", FRIDAY_5PM)])
    deadlines.schedule(subject, [Scheduled(ALARM, "k", FRIDAY_5PM + dt.timedelta(hours=1))])
    assert Alarm.objects.get(key="k").fire_at == FRIDAY_5PM + dt.timedelta(hours=1)

    deadlines.cancel_alarms(Alarm.objects.filter(key="k"), at=FRIDAY_5PM)
    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(hours=2))["alarms"] == 0
    deadlines.schedule(subject, [Scheduled(ALARM, "k", FRIDAY_5PM + dt.timedelta(hours=1))])  # revived
    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(hours=2))["alarms"] == 1

    deadlines.schedule(subject, [Scheduled(ALARM, "k", FRIDAY_5PM + dt.timedelta(hours=3))])
    assert deadlines.sweep(now=FRIDAY_5PM + dt.timedelta(hours=4))["alarms"] == 0
    assert Alarm.objects.filter(key="k").count() == 1
    assert len(handled.firings) == 1


def test_firing_now_happens_once_per_key(subject, handled):
    first = deadlines.fire_now(subject, Scheduled(ALARM, "now", FRIDAY_5PM), at=FRIDAY_5PM)
    again = deadlines.fire_now(subject, Scheduled(ALARM, "now", FRIDAY_5PM), at=FRIDAY_5PM)

    assert first is not None and first.fired_at == FRIDAY_5PM
    assert again is None
    assert [f.pk for f in handled.firings] == [first.pk]


def test_next_due_ignores_met_stopped_and_paused_deadlines(subject, calendars):
    start_one(subject, calendars["7x24"], minutes=10, kind="a")
    start_one(subject, calendars["7x24"], minutes=20, kind="b")
    start_one(subject, calendars["7x24"], minutes=30, kind="c")
    start_one(subject, calendars["7x24"], minutes=40, kind="d")
    deadlines.meet(of(subject).filter(kind="a"), at=FRIDAY_5PM)
    deadlines.stop(of(subject).filter(kind="b"), at=FRIDAY_5PM)
    deadlines.pause(of(subject).filter(kind="c"), at=FRIDAY_5PM)

    assert queries.next_due(of(subject)) == FRIDAY_5PM + dt.timedelta(minutes=40)
    assert [d.kind for d in queries.due_for(subject)] == ["d"]


def test_time_left_reads_in_business_time_in_chinese(subject, calendars):
    deadline = start_one(subject, calendars["5x8"], minutes=60)

    # Friday 17:05: 25 minutes left today; Monday's 30 do not start before 08:30.
    assert view(deadline, FRIDAY_5PM + dt.timedelta(minutes=5)).words == "剩余 55 分钟"
    assert view(deadline, local(2026, 11, 23, 8, 50)).colour == "amber"
    overdue = view(deadline, local(2026, 11, 23, 10, 10))
    assert (overdue.state, overdue.colour, overdue.words) == ("breached", "red", "已超时 1 小时 10 分")
    deadlines.pause(of(subject), at=FRIDAY_5PM + dt.timedelta(minutes=5))
    deadline.refresh_from_db()
    paused = view(deadline, local(2026, 11, 25, 9, 0))
    assert (paused.state, paused.words, paused.due_at) == ("paused", "已暂停，剩余 55 分钟", None)


def test_a_subject_with_deadlines_cannot_be_deleted(case_a):
    assert case_a.deadlines.exists()

    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=case_a.pk).delete()
