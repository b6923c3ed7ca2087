"""The laws of pausing and resuming on the business calendars (property tests, no rows saved).

For a deadline started at S with a target of T business minutes, paused at P and resumed at R:
- the business time left when it resumes is what it had when it was paused;
- the new due time is where T plus the paused business time, counted from S, ends, which is
  how retargeting recomputes it (so a severity change after a suspension agrees with resuming);
- one paused over closed time only (a night on 5×8) keeps its due time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.calendars.business_time import add_business_minutes, business_minutes_between
from aftersales.calendars.queries import working_calendar
from aftersales.deadlines.models import Deadline
from aftersales.deadlines.services import due_time, resumed_due
from tests.deadlines.conftest import local

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ORIGIN = local(2026, 9, 21, 0, 0)  # the weeks around National Day: holidays and make-up days
minutes_into = st.integers(min_value=0, max_value=60 * 24 * 40)
codes = st.sampled_from(["7x24", "5x24", "5x8"])


def at(minute: int) -> dt.datetime:
    return ORIGIN + dt.timedelta(minutes=minute)


def paused_deadline(calendar, started: dt.datetime, target: int, paused_at: dt.datetime) -> Deadline:
    return Deadline(
        kind="t",
        target_minutes=target,
        calendar=calendar,
        started_at=started,
        due_at=due_time(started, target, calendar),
        paused_at=paused_at,
    )


@EXAMPLES
@given(code=codes, start=minutes_into, target=st.integers(1, 3000), until_pause=minutes_into, pause=minutes_into)
def test_resuming_keeps_the_business_time_left(calendars, code, start, target, until_pause, pause):
    calendar = calendars[code]
    deadline = paused_deadline(calendar, at(start), target, at(start + until_pause))
    if deadline.due_at <= deadline.paused_at:
        return  # overdue when paused: the next law
    resumed_at = at(start + until_pause + pause)
    working = working_calendar(calendar)

    due, spent = resumed_due(deadline, resumed_at)

    left_when_paused = business_minutes_between(deadline.paused_at, deadline.due_at, working)
    assert business_minutes_between(resumed_at, due, working) == pytest.approx(left_when_paused, abs=1e-6)
    assert spent == pytest.approx(business_minutes_between(deadline.paused_at, resumed_at, working), abs=1e-6)
    # Counting the target plus the paused time from the start ends at the same instant.
    assert abs(due_time(deadline.started_at, target + spent, calendar) - due) <= dt.timedelta(microseconds=1)
    assert due >= deadline.due_at


@EXAMPLES
@given(code=codes, start=minutes_into, target=st.integers(1, 600), late=st.integers(0, 6000), pause=minutes_into)
def test_a_deadline_overdue_when_paused_keeps_its_due_time(calendars, code, start, target, late, pause):
    calendar = calendars[code]
    due = due_time(at(start), target, calendar)
    deadline = paused_deadline(calendar, at(start), target, due + dt.timedelta(minutes=late))

    assert resumed_due(deadline, deadline.paused_at + dt.timedelta(minutes=pause))[0] == due


@EXAMPLES
@given(
    day=st.integers(0, 40),
    started_before=st.integers(1, 60 * 24 * 10),
    target=st.integers(1, 3000),
    after_closing=st.integers(0, 899),
    data=st.data(),
)
def test_a_pause_over_closed_time_only_changes_nothing(calendars, day, started_before, target, after_closing, data):
    """Paused after 17:30 and resumed before 08:30 the next morning (the 15 closed hours of a
    5×8 night, longer over a weekend or a holiday): no business time passed."""
    calendar = calendars["5x8"]
    working = working_calendar(calendar)
    paused_at = local(2026, 9, 21, 17, 30) + dt.timedelta(days=day, minutes=after_closing)
    resumed_at = paused_at + dt.timedelta(minutes=data.draw(st.integers(0, 899 - after_closing)))
    started_at = paused_at - dt.timedelta(minutes=started_before)
    deadline = paused_deadline(calendar, started_at, target, paused_at)
    if deadline.due_at <= paused_at:
        return  # overdue when paused: covered above

    due, spent = resumed_due(deadline, resumed_at)

    assert spent == 0
    assert due == deadline.due_at == add_business_minutes(started_at, target, working)
