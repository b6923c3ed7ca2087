"""The dashboard's counted figures equal the KPIs computed case by case (`kpis.summary`): on the
hand-built month, and on random cases and clocks (hypothesis) whose times fall on either side of
midnight in Asia/Shanghai (stored in UTC) and of the moment the figures are read."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.calendars.models import BusinessCalendar
from aftersales.cases.models import Case, Channel, Kind, Severity, Status
from aftersales.reports import counts, kpis
from aftersales.reports.kpis import SHANGHAI, Filters, Period
from aftersales.sla.models import Clock, ClockKind
from tests.factories import CustomerFactory
from tests.reports.conftest import AS_OF, NOVEMBER


def expected(summary: kpis.Summary) -> dict:
    def tally(ratio: kpis.Ratio) -> tuple:
        return (len(ratio.timely), len(ratio.late), len(ratio.pending), len(ratio.counted))

    return {
        "faults": len(summary.faults),
        "repair": tally(summary.repair),
        "no_restore_limit": len(summary.no_restore_limit),
        "response": tally(summary.response),
        "first_contact": tally(summary.first_contact),
        "sign_off": tally(summary.sign_off),
        "progress": tally(summary.progress),
        "fault_report": tally(summary.reports["fault_report"]),
        "major_count": summary.major.count,
        "major_minutes": summary.major.total_minutes,
        "customer_reported": len(summary.customer_reported),
        "customer_repair": tally(summary.customer_repair),
        "complaints": len(summary.complaints),
    }


def counted(row: counts.MonthFigures) -> dict:
    def tally(t: counts.Tally) -> tuple:
        return (t.timely, t.late, t.pending, t.counted)

    return {
        "faults": row.faults,
        "repair": tally(row.repair),
        "no_restore_limit": row.no_restore_limit,
        "response": tally(row.response),
        "first_contact": tally(row.first_contact),
        "sign_off": tally(row.sign_off),
        "progress": tally(row.progress),
        "fault_report": tally(row.fault_report),
        "major_count": row.major_count,
        "major_minutes": row.major_minutes,
        "customer_reported": row.customer_reported,
        "customer_repair": tally(row.customer_repair),
        "complaints": row.complaints,
    }


def assert_equal_to_summaries(cases, months: list[Period], as_of: dt.datetime) -> None:
    got = counts.month_figures(cases, months, as_of=as_of, durations=months)
    for month in months:
        assert counted(got[month]) == expected(kpis.summary(cases, month, as_of=as_of)), month


def test_the_hand_built_month_counts_as_the_kpis(month, manager):
    months = NOVEMBER.months_back(3) + [Period.month(2026, 12)]
    for filters in (Filters(), Filters(customer_id=month.customer.pk), Filters(severity=Severity.A)):
        assert_equal_to_summaries(kpis.report_cases(manager, filters), months, AS_OF)
    # customer A's headline, worked out in test_kpis.py: 3 timely of 5 decided faults
    customer_a = kpis.report_cases(manager, Filters(customer_id=month.customer.pk))
    november = counts.month_figures(customer_a, [NOVEMBER], as_of=AS_OF)[NOVEMBER]
    assert november.repair.rate == pytest.approx(0.6)


def test_thirteen_months_cost_a_constant_number_of_queries(month, manager, django_assert_max_num_queries):
    cases = kpis.report_cases(manager)
    with django_assert_max_num_queries(3):
        counts.month_figures(cases, NOVEMBER.months_back(13), as_of=AS_OF)


# --- random data ------------------------------------------------------------------------------

BASE = dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)  # 2026-11-01 00:00 in Shanghai
# Minutes around the month's edges: either side of local midnight of Nov 1 and Dec 1.
MINUTES = st.one_of(
    st.integers(min_value=-90, max_value=90),
    st.integers(min_value=30 * 24 * 60 - 90, max_value=30 * 24 * 60 + 90),
    st.integers(min_value=0, max_value=30 * 24 * 60),
)
CLOCK = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([ClockKind.RESTORE, ClockKind.RESPONSE, ClockKind.PROGRESS, ClockKind.FAULT_REPORT]),
        "start": MINUTES,
        "target": st.integers(min_value=1, max_value=240),
        "met": st.one_of(st.none(), st.integers(min_value=0, max_value=480)),
        "breached": st.booleans(),
        "stopped": st.booleans(),
        "paused": st.booleans(),
    }
)
CASE = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([Kind.FAULT, Kind.FAULT, Kind.COMPLAINT]),
        "severity": st.sampled_from(Severity.values),
        "channel": st.sampled_from([Channel.PHONE, Channel.MONITORING, Channel.WEB]),
        "status": st.sampled_from([Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED]),
        "opened": MINUTES,
        "clocks": st.lists(CLOCK, max_size=4),
    }
)


def at(minutes: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minutes)


def make_cases(rows: list[dict], customer, calendar) -> None:
    Clock.objects.all().delete()
    Case.objects.all().delete()
    for n, row in enumerate(rows):
        case = Case.objects.create(
            number=f"CS202611-{n + 1:06d}",
            title="t",
            description="t",
            customer=customer,
            kind=row["kind"],
            severity=row["severity"],
            channel=row["channel"],
            status=row["status"],
            opened_at=at(row["opened"]),
        )
        for clock in row["clocks"]:
            started = at(clock["start"])
            due = started + dt.timedelta(minutes=clock["target"])
            met = None if clock["met"] is None else started + dt.timedelta(minutes=clock["met"])
            Clock.objects.create(
                case=case,
                kind=clock["kind"],
                target_minutes=clock["target"],
                calendar=calendar,
                started_at=started,
                due_at=due,
                met_at=met,
                breached_at=due if clock["breached"] else None,
                stopped_at=due if clock["stopped"] and met is None else None,
                paused_at=started if clock["paused"] and met is None else None,
            )


@pytest.fixture
def random_setting(db, manager):
    return CustomerFactory(), BusinessCalendar.objects.get(code="7x24"), manager


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(CASE, max_size=8), read_at=MINUTES)
def test_random_cases_count_as_the_kpis(random_setting, rows, read_at):
    customer, calendar, manager = random_setting
    make_cases(rows, customer, calendar)
    months = [Period.month(2026, 10), NOVEMBER, Period.month(2026, 12)]
    assert_equal_to_summaries(kpis.report_cases(manager), months, at(read_at).astimezone(SHANGHAI))
