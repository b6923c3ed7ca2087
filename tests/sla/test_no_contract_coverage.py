"""Cases without a maintenance contract (in warranty or chargeable) run on the coverage the
administrators set per severity: seeded A/B 7×24 (the warranty promises 24-hour remote
maintenance and an engineer on site within an hour for a major fault; A/B service is given at
any time), C/D 5×8. The clock still runs on the narrower of that and the target's calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.cases.models import Severity
from aftersales.contracts.entitlement import EntitlementKind
from aftersales.contracts.models import Coverage
from aftersales.sla.models import ClockKind, NoContractCoverage
from tests.factories import EquipmentFactory, SiteFactory
from tests.sla.conftest import dues, local, running

pytestmark = pytest.mark.django_db

FRIDAY_18 = local(2026, 6, 5, 18, 0)

ROUND_THE_CLOCK = {
    Severity.A: {
        ClockKind.SIGN_OFF: local(2026, 6, 5, 18, 10),
        ClockKind.RESPONSE: local(2026, 6, 5, 18, 15),
        ClockKind.FIRST_CONTACT: local(2026, 6, 5, 18, 15),
        ClockKind.ON_SITE: local(2026, 6, 5, 18, 30),
        ClockKind.RESTORE: local(2026, 6, 5, 20, 0),
        ClockKind.PROGRESS: local(2026, 6, 5, 18, 30),
    },
    Severity.B: {
        ClockKind.SIGN_OFF: local(2026, 6, 5, 18, 10),
        ClockKind.RESPONSE: local(2026, 6, 5, 18, 15),
        ClockKind.FIRST_CONTACT: local(2026, 6, 5, 18, 15),
        ClockKind.ON_SITE: local(2026, 6, 5, 18, 30),
        ClockKind.RESTORE: local(2026, 6, 5, 22, 0),
        ClockKind.PROGRESS: local(2026, 6, 5, 18, 30),
    },
}
# Office hours: nothing counts before Monday 08:30.
OFFICE_HOURS = {
    Severity.C: {
        ClockKind.SIGN_OFF: local(2026, 6, 8, 9, 0),
        ClockKind.RESPONSE: local(2026, 6, 8, 9, 30),
        ClockKind.REPLY: local(2026, 6, 8, 16, 0),  # 6 h: 210 min to noon + 150 after 13:30
        ClockKind.PROGRESS: local(2026, 6, 8, 14, 0),
    },
    Severity.D: {
        ClockKind.SIGN_OFF: local(2026, 6, 8, 9, 30),
        ClockKind.RESPONSE: local(2026, 6, 8, 10, 30),
        ClockKind.REPLY: local(2026, 6, 11, 10, 0),  # 24 office hours: 450 min Mon, Tue, Wed + 90 Thu
    },
}


@pytest.fixture
def make_equipment(customer_a):
    site = SiteFactory(customer=customer_a, name="门诊楼机房")

    def make(accepted: dt.date):
        return EquipmentFactory(site=site, acceptance_date=accepted)

    return make


IN_WARRANTY = dt.date(2026, 1, 15)  # covered through 2027-01-14
OUT_OF_WARRANTY = dt.date(2020, 3, 1)


@pytest.mark.parametrize(
    "accepted, entitlement",
    [
        pytest.param(IN_WARRANTY, EntitlementKind.WARRANTY, id="in-warranty"),
        pytest.param(OUT_OF_WARRANTY, EntitlementKind.CHARGEABLE, id="chargeable"),
    ],
)
@pytest.mark.parametrize("severity", [Severity.A, Severity.B, Severity.C, Severity.D])
def test_a_case_without_a_contract_runs_on_its_severitys_default_coverage(
    severity, accepted, entitlement, travel, staff, customer_a, open_case, make_equipment
):
    equipment = make_equipment(accepted)
    travel(FRIDAY_18)

    case = open_case(customer_a, equipment=equipment, severity=severity)

    assert (case.contract, case.entitlement) == (None, entitlement)
    expected = ROUND_THE_CLOCK.get(severity) or OFFICE_HOURS[severity]
    assert dues(case) == expected
    codes = {clock.calendar.code for clock in running(case).values()}
    assert codes == ({"7x24"} if severity in ROUND_THE_CLOCK else {"5x8"})


@pytest.mark.parametrize(
    "severity, coverage, expected_sign_off, calendar",
    [
        # A on office hours after all: sign-off 10 minutes after Monday 08:30.
        pytest.param(Severity.A, Coverage.H5X8, local(2026, 6, 8, 8, 40), "5x8", id="A-narrowed-to-5x8"),
        pytest.param(Severity.B, Coverage.H5X24, local(2026, 6, 5, 18, 10), "5x24", id="B-on-5x24"),
        # C widened to 7×24: its sign-off target is 5×24 itself, so the narrower is 5×24.
        pytest.param(Severity.C, Coverage.H7X24, local(2026, 6, 5, 18, 30), "5x24", id="C-widened"),
        # D's targets are office hours themselves: a wider coverage cannot widen them.
        pytest.param(Severity.D, Coverage.H7X24, local(2026, 6, 8, 9, 30), "5x8", id="D-stays-5x8"),
    ],
)
def test_changing_the_coverage_without_a_contract_changes_new_cases_only(
    severity, coverage, expected_sign_off, calendar, travel, staff, customer_a, open_case, equipment_a
):
    travel(FRIDAY_18)
    before = open_case(customer_a, equipment=equipment_a, severity=severity)
    before_dues = dues(before)

    row = NoContractCoverage.objects.get(severity=severity)
    row.coverage = coverage
    row.save()  # as the administration page does: the coverage kept in the process is forgotten
    after = open_case(customer_a, equipment=equipment_a, severity=severity)

    sign_off = running(after)[ClockKind.SIGN_OFF]
    assert (sign_off.due_at, sign_off.calendar.code) == (expected_sign_off, calendar)
    assert dues(before) == before_dues  # a case already open keeps its clocks


def test_without_a_row_for_the_severity_a_case_falls_back_to_office_hours(
    travel, staff, customer_a, open_case, equipment_a
):
    NoContractCoverage.objects.filter(severity=Severity.A).delete()
    travel(FRIDAY_18)

    case = open_case(customer_a, equipment=equipment_a, severity=Severity.A)

    assert {clock.calendar.code for clock in running(case).values()} == {"5x8"}


def test_the_seeded_coverage_without_a_contract_is_round_the_clock_for_a_and_b():
    assert dict(NoContractCoverage.objects.values_list("severity", "coverage")) == {
        "A": "7x24",
        "B": "7x24",
        "C": "5x8",
        "D": "5x8",
    }
