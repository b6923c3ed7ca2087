"""The KPIs against a hand-built November 2026 (Asia/Shanghai), written as a table.

All times in the table are local (Asia/Shanghai, UTC+8). November's period is
2026-10-31 16:00 UTC .. 2026-11-30 16:00 UTC. The figures are read on 2026-12-02 12:00 local.

| case | sev | channel    | opened      | what happens                                         | restore clock(s)              |
| ---- | --- | ---------- | ----------- | ---------------------------------------------------- | ----------------------------- |
| c1   | A   | phone      | 11-03 09:00 | resolved 10:30 by eng1                               | due 11:00, met 10:30: timely  |
| c2   | A   | monitoring | 11-05 14:00 | resolved 17:00 by eng1                               | due 16:00, met 17:00: late    |
| c3   | B   | e-mail     | 11-10 08:00 | suspended 09:00-13:00, resolved 13:30 by eng1         | due 12:00 + 4 h paused = 16:00, met 13:30: timely |
| c4   | A   | phone      | 11-12 10:00 | resolved 11:00, reopened 15:00, resolved 18:00 (eng2) | #1 met on time, #2 due 17:00 met 18:00: late |
| c5   | C   | web        | 11-01 00:30 | (UTC: 10-31 16:30) resolved 09:00                     | none (C has no restore limit) |
| c6   | A   | phone      | 11-30 23:30 | resolved 12-01 01:00 by eng2 (across midnight)        | due 12-01 01:30, met 01:00: timely |
| c7   | A   | phone      | 12-01 00:10 | (UTC: 11-30 16:10) December's, not November's         | met on time                   |
| c8   | B   | phone      | 11-28 10:00 | suspended since 12:00, still open                     | paused: pending               |
| c9   | A   | phone      | 11-15 10:00 | cancelled (a duplicate)                               | stopped; sign-off breached    |
| c10  | C   | phone      | 11-20 10:00 | a complaint, not a fault                              |                               |
| b1   | A   | phone      | 11-06 10:00 | customer B's; resolved late                           | late                          |
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases.models import Severity
from aftersales.reports import kpis
from aftersales.reports.kpis import Filters, Period
from tests.reports.conftest import AS_OF, NOVEMBER


def ids(month, *names):
    return sorted(month.cases[name].pk for name in names)


def figures(user, customer_id=None, **filters):
    with time_machine.travel(AS_OF, tick=False):
        cases = kpis.report_cases(user, Filters(customer_id=customer_id, **filters))
        return kpis.summary(cases, NOVEMBER, as_of=AS_OF)


def test_period_boundaries_are_local_days():
    assert NOVEMBER.start == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)
    assert NOVEMBER.end == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert NOVEMBER.previous_month() == Period.month(2026, 10)
    assert Period.month(2026, 12).end == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert [p.first.month for p in NOVEMBER.months_back(12)] == [12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]


def test_faults_counted_by_local_opening_day(month, manager):
    s = figures(manager, month.customer.pk)
    # c5 (UTC 10-31) is November's, c7 (UTC 11-30) is December's; c9 cancelled; c10 a complaint.
    assert s.faults == ids(month, "c1", "c2", "c3", "c4", "c5", "c6", "c8")


def test_fault_repair_timeliness(month, manager):
    s = figures(manager, month.customer.pk)
    # timely: c1, c3 (the suspension moved its due time), c6 (across midnight, counted in November)
    # late: c2, and c4 whose second restore (after reopening) was late although the first was not
    # pending: c8 (paused); c5 has no restore limit.  3 / (3 + 2) = 60 %
    assert s.repair.timely == ids(month, "c1", "c3", "c6")
    assert s.repair.late == ids(month, "c2", "c4")
    assert s.repair.pending == ids(month, "c8")
    assert s.no_restore_limit == ids(month, "c5")
    assert s.repair.rate == pytest.approx(0.6)


def test_clock_timeliness(month, manager):
    s = figures(manager, month.customer.pk)
    assert (s.sign_off.timely, s.sign_off.late) == (ids(month, "c1"), ids(month, "c2"))  # c7 December's, c9 cancelled
    assert s.sign_off.rate == pytest.approx(0.5)
    assert s.response.rate == pytest.approx(2 / 3)  # c1, c5 on time; c2 late
    assert s.first_contact.rate == 1.0
    # c3's progress: 08:20 on time, 09:00 late, the third stopped by the resolution (not counted)
    assert (len(s.progress.timely), len(s.progress.late), s.progress.rate) == (1, 1, 0.5)
    # fault reports: c1's in time, c2's breached
    assert s.reports["fault_report"].rate == pytest.approx(0.5)


def test_major_faults_and_their_duration(month, manager):
    s = figures(manager, month.customer.pk)
    # c1 90 min; c2 180; c4 60 + 180 after reopening; c6 90 (runs into December, counted whole)
    assert s.major.minutes == {
        month.cases["c1"].pk: 90,
        month.cases["c2"].pk: 180,
        month.cases["c4"].pk: 240,
        month.cases["c6"].pk: 90,
    }
    assert (s.major.count, s.major.total_minutes) == (4, 600)


def test_customer_reported_faults(month, manager):
    s = figures(manager, month.customer.pk)
    # c2 came from monitoring; among the others c1, c3, c6 timely, c4 late, c8 pending: 3/4
    assert s.customer_reported == ids(month, "c1", "c3", "c4", "c5", "c6", "c8")
    assert s.customer_repair.rate == pytest.approx(0.75)


def test_complaints_and_satisfaction(month, manager):
    s = figures(manager, month.customer.pk)
    assert s.complaints == ids(month, "c10")
    assert s.satisfaction is None


def test_availability_from_fault_durations(month, manager):
    with time_machine.travel(AS_OF, tick=False):
        rows = kpis.availability(
            kpis.report_cases(manager, Filters(customer_id=month.customer.pk)), NOVEMBER, as_of=AS_OF
        )
    # equipment: c1 90 + c2 180 + c6's 30 minutes before midnight = 300; other: c4 240.
    # The month has 30 × 1440 = 43200 minutes. (c3, c8 are severity B: not down.)
    by_equipment = {row.equipment_id: row for row in rows}
    assert by_equipment[month.equipment.pk].outage_minutes == pytest.approx(300)
    assert by_equipment[month.equipment.pk].rate == pytest.approx(1 - 300 / 43200)
    assert by_equipment[month.other_equipment.pk].rate == pytest.approx(1 - 240 / 43200)
    assert [row.equipment_id for row in rows] == [month.equipment.pk, month.other_equipment.pk]


def test_suspended_time_is_not_fault_time(month):
    c3, c8 = month.cases["c3"], month.cases["c8"]
    minutes = kpis.outage_minutes([c3, c8], as_of=AS_OF)
    assert minutes[c3.pk] == 90  # 08:00-09:00 and 13:00-13:30
    assert minutes[c8.pk] == 120  # 10:00-12:00, suspended since


def test_faults_by_dimension(month, manager):
    cases = kpis.report_cases(manager, Filters(customer_id=month.customer.pk))
    assert kpis.faults_by(cases, NOVEMBER, "severity") == [("A", 4), ("B", 2), ("C", 1)]
    assert kpis.faults_by(cases, NOVEMBER, "region") == [("", 6), ("北京", 1)]
    assert kpis.faults_by(cases, NOVEMBER, "vendor") == [("AVAYA", 7)]


def test_filters_narrow(month, manager):
    assert figures(manager, month.customer.pk, severity=Severity.B).faults == ids(month, "c3", "c8")
    assert figures(manager, region="北京").faults == ids(month, "c4")


def test_engineer_assessment(month, manager):
    with time_machine.travel(AS_OF, tick=False):
        rows = kpis.engineer_assessment(kpis.report_cases(manager), NOVEMBER, as_of=AS_OF)
    by_name = {row.name: row for row in rows}
    eng1, eng2 = by_name["eng1"], by_name["eng2"]
    assert eng1.resolved == ids(month, "c1", "c2", "c3")  # c7's resolution was in December
    # c1: five clocks met; c2: four breached; c3: restore and a progress met, a progress breached
    assert (eng1.clocks_met, eng1.clocks_breached, eng1.visits) == (7, 5, 0)
    assert eng1.average_restore_minutes == pytest.approx((90 + 180 + 90) / 3)
    # c4 resolved twice, counted once; c6 resolved in December
    assert eng2.resolved == ids(month, "c4")
    assert (eng2.clocks_met, eng2.clocks_breached, eng2.visits) == (1, 1, 1)
    assert eng2.average_restore_minutes == 240


def test_a_customer_sees_only_their_own_figures(month, contact_a):
    everyone = figures(contact_a)
    assert month.cases["b1"].pk not in everyone.faults
    assert everyone.faults == ids(month, "c1", "c2", "c3", "c4", "c5", "c6", "c8")
    # customer B's case is invisible even when asked for by B's id
    assert figures(contact_a, month.cases["b1"].customer_id).faults == []


def test_staff_see_every_customer(month, manager):
    s = figures(manager)
    assert month.cases["b1"].pk in s.repair.late
    assert month.cases["b1"].pk in s.sign_off.late
