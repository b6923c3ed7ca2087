"""Helpers for the service-clock scenarios: local times, time travel, contracts, managers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.contracts.models import Coverage
from aftersales.sla.models import Clock, SuspensionRequest
from tests.factories import ContractFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An Asia/Shanghai wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def running(case) -> dict[str, Clock]:
    """The case's clocks still counting (not met, not stopped), by kind."""
    clocks = case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True).select_related("calendar")
    result: dict[str, Clock] = {}
    for clock in clocks:
        assert clock.kind not in result, f"two running {clock.kind} clocks"
        result[clock.kind] = clock
    return result


def dues(case) -> dict[str, dt.datetime]:
    return {kind: clock.due_at for kind, clock in running(case).items()}


def only(case, kind: str) -> Clock:
    """The case's one clock of `kind` (fails if there are several)."""
    return case.clocks.get(kind=kind)


@pytest.fixture(autouse=True)
def _english():
    # Timeline texts are asserted in the source language.
    with translation.override("en"):
        yield


@pytest.fixture
def travel():
    """Start time travel at a moment (frozen); returns the traveller to `move_to`/`shift`."""
    started = []

    def start(moment: dt.datetime):
        traveller = time_machine.travel(moment, tick=False)
        coordinates = traveller.start()
        started.append(traveller)
        return coordinates

    yield start
    for traveller in reversed(started):
        traveller.stop()


@pytest.fixture
def duty_manager(make_user):
    return make_user(Role.DUTY_MANAGER, username="duty")


@pytest.fixture
def centre_manager(make_user):
    return make_user(Role.CENTRE_MANAGER, username="centre")


@pytest.fixture
def staff(agent, engineer, manager, executive, duty_manager, centre_manager):
    """Everyone an escalation may notify exists before the first case is opened."""
    return {
        "agent": agent,
        "engineer": engineer,
        "manager": manager,
        "executive": executive,
        "duty": duty_manager,
        "centre": centre_manager,
    }


@pytest.fixture
def contract_for(customer_a, equipment_a):
    """Put customer A's equipment under a maintenance contract with the given coverage."""

    def make(coverage: str = Coverage.H7X24, *, critical: bool = False):
        contract = ContractFactory(customer=customer_a, coverage=coverage, critical_round_the_clock=critical)
        contract.equipment.add(equipment_a)
        return contract

    return make


@pytest.fixture
def fault(open_case, customer_a, equipment_a):
    """Open a fault on customer A's equipment now (under time travel)."""

    def make(severity: str, **kwargs):
        return open_case(customer_a, equipment=equipment_a, severity=severity, **kwargs)

    return make


def suspend(
    case,
    *,
    engineer,
    duty_manager,
    reason: str = "客户机房停电检修，等待恢复供电",
    expected_end_at: dt.datetime | None = None,
) -> SuspensionRequest:
    """Ask for a suspension with the customer's consent and have the duty manager approve it."""
    request = services.request_suspension(
        case=case,
        by=engineer,
        reason=reason,
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=timezone.now(),
        expected_end_at=expected_end_at or timezone.now() + dt.timedelta(days=1),
    )
    return services.decide_suspension(request=request, by=duty_manager, approve=True, note="同意")


@pytest.fixture(autouse=True)
def _no_dispatch_due_times(settings):
    """The sweeps here count the case clocks' breaches and escalations alone: dispatch's due
    times for unassigned cases and handovers (docs/dispatch.md) are off."""
    settings.DISPATCH_ASSIGNMENT_MINUTES = 0
    settings.DISPATCH_HANDOVER_MINUTES = 0
